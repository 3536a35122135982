import * as path from 'path';

/**
 * The shared research folder that sits beside the repository (CRDs, conformance manifests).
 * GATEWAY_API_SHARED_DIR overrides it, for checkouts that keep the folder elsewhere.
 */
export const SHARED_DIR = process.env.GATEWAY_API_SHARED_DIR
  ? path.resolve(process.env.GATEWAY_API_SHARED_DIR)
  : path.resolve(__dirname, '..', '..', '..', 'shared');
