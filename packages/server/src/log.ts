/** What the server's parts log through (Fastify's pino logger in the app; a stub in tests). */
export interface Logger {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}
