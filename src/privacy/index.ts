/** The privacy layer's entrance: what other layers may use of it. */
export { PERSONAL_DATA, type PersonalClass, retentionCutoff, NEVER_LOGGED_FIELDS, redactForLog, mayLogField } from './personal-data.js';
