import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createTransport, type SendMailOptions } from 'nodemailer';

/** One message as the outbox hands it to a transport. */
export interface OutgoingMail {
  id: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** When the message was written (its Date header), not when this attempt happens. */
  createdAt: Date;
}

export interface MailTransport {
  /** Delivers one message; resolves with a short description of where it went, rejects on failure. */
  send(mail: OutgoingMail): Promise<string>;
  close(): void;
}

/** Errors that say the server (not this message) is unreachable: the rest of a pass would fail too. */
const SERVER_ERRORS = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ETLS',
  'EPROXY',
  'EAUTH',
  'ENOAUTH',
  'EOAUTH2',
  'ECONNREFUSED',
  'ECONNRESET',
]);

export const isServerError = (err: unknown): boolean =>
  typeof err === 'object' && err !== null && SERVER_ERRORS.has(String((err as { code?: unknown }).code));

/**
 * The nodemailer message. The Message-ID is derived from the outbox id, so a message sent twice (a
 * worker that died between sending and recording it) is recognisably the same message.
 */
function toNodemailer(mail: OutgoingMail): SendMailOptions {
  const domain = /@([^@\s<>]+)>?\s*$/.exec(mail.from)?.[1] ?? 'hearth.invalid';
  return {
    from: mail.from,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    ...(mail.html !== undefined ? { html: mail.html } : {}),
    messageId: `<${mail.id}@${domain}>`,
    date: mail.createdAt,
    // The content is always given inline: never let a field be read as a file path or a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

/**
 * Real SMTP (smtp:// or smtps://, options in the URL win). The timeouts keep a dead or silent
 * server from holding a worker pass for minutes: the message is simply retried later.
 */
export function smtpTransport(smtpUrl: string): MailTransport {
  const transporter = createTransport({
    url: smtpUrl,
    connectionTimeout: 5_000,
    greetingTimeout: 5_000,
    dnsTimeout: 5_000,
    socketTimeout: 30_000,
  });
  return {
    async send(mail) {
      const info = await transporter.sendMail(toNodemailer(mail));
      return info.response;
    },
    close: () => transporter.close(),
  };
}

/**
 * No SMTP server: each message becomes `<dir>/<id>.eml`, a complete RFC 5322 message that any mail
 * client opens. Written to a temporary name and renamed, so a reader never sees half a file and a
 * retry after a crash simply replaces it.
 */
export function fileTransport(dir: string): MailTransport {
  const transporter = createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  return {
    async send(mail) {
      const info = await transporter.sendMail(toNodemailer(mail));
      await mkdir(dir, { recursive: true });
      const file = path.join(dir, `${mail.id}.eml`);
      const partial = `${file}.partial`;
      await writeFile(partial, info.message as Buffer);
      await rename(partial, file);
      return file;
    },
    close: () => transporter.close(),
  };
}
