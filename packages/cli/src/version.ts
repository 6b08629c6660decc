/** This CLI's version, for --version and for messages that tell a person what to upgrade. */
export const CLI_VERSION = '0.1.0';
