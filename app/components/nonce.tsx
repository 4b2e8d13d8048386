import { createContext, useContext } from "react";

/** The CSP nonce of this response, for the few inline scripts Remix itself renders. */
export const NonceContext = createContext("");
export const useNonce = () => useContext(NonceContext);
