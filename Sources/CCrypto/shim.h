// The two primitives SigV4 and S3 integrity checks need from OpenSSL's libcrypto: SHA-256 and
// HMAC-SHA256, plus MD5 for S3's Content-MD5; and SHA-256 over a stream (an upload hashed as it is
// spooled). All symbols carry `ccrypto_`.
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

/// A streaming SHA-256: new, update any number of times, final (which frees the context).
static inline EVP_MD_CTX *ccrypto_sha256_new(void) {
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    if (context != NULL && EVP_DigestInit_ex(context, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(context);
        return NULL;
    }
    return context;
}

static inline int ccrypto_sha256_update(EVP_MD_CTX *context, const void *data, size_t len) {
    return EVP_DigestUpdate(context, data, len);
}

/// Writes the 32-byte digest to `out` and frees the context. Returns 1 on success.
static inline int ccrypto_sha256_final(EVP_MD_CTX *context, unsigned char *out) {
    unsigned int outLen = 0;
    int result = EVP_DigestFinal_ex(context, out, &outLen);
    EVP_MD_CTX_free(context);
    return result;
}

static inline void ccrypto_sha256_free(EVP_MD_CTX *context) { EVP_MD_CTX_free(context); }

#endif
