// The two primitives SigV4 and S3 integrity checks need from OpenSSL's libcrypto: SHA-256 and
// HMAC-SHA256, plus MD5 for S3's Content-MD5. One-shot calls only; all symbols carry `ccrypto_`.
#ifndef CCRYPTO_SHIM_H
#define CCRYPTO_SHIM_H

#include <openssl/evp.h>
#include <openssl/hmac.h>

/// SHA-256 of `len` bytes; `out` must hold 32 bytes. Returns 1 on success.
static inline int ccrypto_sha256(const void *data, size_t len, unsigned char *out) {
    unsigned int outLen = 0;
    return EVP_Digest(data, len, out, &outLen, EVP_sha256(), NULL);
}

/// MD5 of `len` bytes; `out` must hold 16 bytes. Returns 1 on success.
static inline int ccrypto_md5(const void *data, size_t len, unsigned char *out) {
    unsigned int outLen = 0;
    return EVP_Digest(data, len, out, &outLen, EVP_md5(), NULL);
}

/// HMAC-SHA256; `out` must hold 32 bytes. Returns 1 on success.
static inline int ccrypto_hmac_sha256(const void *key, int keyLen, const void *data, size_t len,
                                      unsigned char *out) {
    unsigned int outLen = 0;
    return HMAC(EVP_sha256(), key, keyLen, (const unsigned char *)data, len, out, &outLen) != NULL;
}

#endif
