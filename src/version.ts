/** Version facts (a leaf: any layer may import it). */
export const VERSION = "0.1.0";
/** The MongoDB server version whose behaviour and wire version we report. */
export const COMPAT_MONGODB_VERSION = "8.0.0";
