/** This package's version (package.json's; a unit test keeps them equal), for the User-Agent. */
export const SDK_VERSION = '0.1.0';
