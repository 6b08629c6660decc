/** The API version this SDK speaks: its types were generated from this version's OpenAPI document. */
export const API_VERSION = 1;

/** This package's version, for messages that tell a person what to upgrade. */
export const SDK_VERSION = '0.1.0';
