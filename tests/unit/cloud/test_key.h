// A fresh 2048-bit RSA key pair as PEM (PKCS#8 private, SubjectPublicKeyInfo public), made once
// per test process: what a service-account key file holds, for tests that sign JWTs.
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <string>

namespace llmctl::testing {

struct TestKey {
  std::string private_pem, public_pem;
};

inline const TestKey& test_rsa_key() {
  static const TestKey k = [] {
    TestKey t;
    EVP_PKEY* key = EVP_RSA_gen(2048);
    BIO* priv = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(priv, key, nullptr, nullptr, 0, nullptr, nullptr);
    BIO* pub = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(pub, key);
    char* p = nullptr;
    long n = BIO_get_mem_data(priv, &p);
    t.private_pem.assign(p, static_cast<std::size_t>(n));
    n = BIO_get_mem_data(pub, &p);
    t.public_pem.assign(p, static_cast<std::size_t>(n));
    BIO_free(priv);
    BIO_free(pub);
    EVP_PKEY_free(key);
    return t;
  }();
  return k;
}

}  // namespace llmctl::testing
