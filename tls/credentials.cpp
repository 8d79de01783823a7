#include "tls/credentials.hpp"

#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

namespace stockwire::tls {

namespace {

// The most detail taken from OpenSSL's error queue for one message.
constexpr std::size_t openssl_reason_max = 256;

struct ctx_deleter {
  void operator()(SSL_CTX* p) const { SSL_CTX_free(p); }
};
struct store_ctx_deleter {
  void operator()(X509_STORE_CTX* p) const { X509_STORE_CTX_free(p); }
};
struct x509_deleter {
  void operator()(X509* p) const { X509_free(p); }
};

// OpenSSL's reason for the last failure (and an empty error queue).
std::string openssl_reason() {
  unsigned long err = ERR_get_error();
  ERR_clear_error();
  if (err == 0)
    return "unknown OpenSSL error";
  char buf[openssl_reason_max];
  ERR_error_string_n(err, buf, sizeof(buf));
  const char* reason = ERR_reason_error_string(err);
  return reason != nullptr ? reason : buf;
}

std::string readable(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return "cannot read " + path + ": " + std::strerror(errno);
  return {};
}

int passphrase_cb(char* buf, int size, int, void* user) {
  auto* pass = static_cast<const std::string*>(user);
  if (size <= 0 || pass->size() >= static_cast<std::size_t>(size))
    return 0;
  std::memcpy(buf, pass->data(), pass->size());
  buf[pass->size()] = '\0';
  return static_cast<int>(pass->size());
}

std::string named(std::string_view setting, const std::string& why) {
  return std::string{setting} + ": " + why;
}

} // namespace

std::string check_credentials(const credentials& c, const setting_names& n) {
  int given = !c.certificate.empty() + !c.key.empty() + !c.cafile.empty();
  if (given == 0)
    return {};
  if (given != 3)
    return std::string{n.certificate} + ", " + std::string{n.key} + " and " +
           std::string{n.cafile} +
           ": give all three (mutual TLS: every side presents a certificate "
           "and checks the other's) or none";
  for (auto [setting, path] :
       {std::pair{n.certificate, &c.certificate}, std::pair{n.key, &c.key},
        std::pair{n.cafile, &c.cafile}})
    if (auto why = readable(*path); !why.empty())
      return named(setting, why);
  ERR_clear_error();
  std::unique_ptr<SSL_CTX, ctx_deleter> ctx{SSL_CTX_new(TLS_method())};
  if (!ctx)
    return named(n.certificate,
                 "cannot create a TLS context: " + openssl_reason());
  auto pass = c.passphrase;
  SSL_CTX_set_default_passwd_cb(ctx.get(), passphrase_cb);
  SSL_CTX_set_default_passwd_cb_userdata(ctx.get(), &pass);
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), c.certificate.c_str()) != 1)
    return named(n.certificate, "no PEM certificate in " + c.certificate +
                                    " (" + openssl_reason() + ")");
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), c.key.c_str(), SSL_FILETYPE_PEM) !=
          1 ||
      SSL_CTX_check_private_key(ctx.get()) != 1) {
    bool mismatch =
        ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH;
    auto reason = openssl_reason();
    if (mismatch)
      return named(n.key, c.key + " does not belong to the certificate in " +
                              c.certificate);
    return named(n.key, "cannot load the private key in " + c.key + " (" +
                            reason +
                            "; an encrypted key needs its "
                            "passphrase)");
  }
  if (SSL_CTX_load_verify_locations(ctx.get(), c.cafile.c_str(), nullptr) != 1)
    return named(n.cafile, "no PEM CA certificate in " + c.cafile + " (" +
                               openssl_reason() + ")");
  // The peers check this certificate against the same CA: verify it here.
  X509* leaf = SSL_CTX_get0_certificate(ctx.get());
  STACK_OF(X509)* chain = nullptr;
  SSL_CTX_get0_chain_certs(ctx.get(), &chain);
  std::unique_ptr<X509_STORE_CTX, store_ctx_deleter> vctx{X509_STORE_CTX_new()};
  if (!vctx ||
      X509_STORE_CTX_init(vctx.get(), SSL_CTX_get_cert_store(ctx.get()), leaf,
                          chain) != 1)
    return named(n.certificate, "cannot verify: " + openssl_reason());
  if (X509_verify_cert(vctx.get()) != 1) {
    int err = X509_STORE_CTX_get_error(vctx.get());
    ERR_clear_error();
    return named(n.certificate,
                 c.certificate + " is not accepted by the CA in " + c.cafile +
                     ": " + X509_verify_cert_error_string(err));
  }
  return {};
}

std::string describe_certificate(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> f{std::fopen(path.c_str(), "r"),
                                          &std::fclose};
  if (!f)
    return "certificate " + path;
  std::unique_ptr<X509, x509_deleter> cert{
      PEM_read_X509(f.get(), nullptr, nullptr, nullptr)};
  ERR_clear_error();
  if (!cert)
    return "certificate " + path;
  char subject[256];
  X509_NAME_oneline(X509_get_subject_name(cert.get()), subject,
                    sizeof(subject));
  std::tm until{};
  std::string valid;
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert.get()), &until) == 1) {
    char buf[32];
    std::strftime(buf, sizeof(buf), "%Y-%m-%d", &until);
    valid = std::string{", valid until "} + buf;
  }
  return std::string{"certificate "} + subject + valid;
}

} // namespace stockwire::tls
