// OpenSSL's libcrypto (Debian libssl-dev), for the issuing key's RSA private-key operation
// only (BoringSSL's RSA-2048 private operation is about half as fast as OpenSSL 3's here).
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
