// base64(HMAC-SHA256(secret, body)): the signature of every format here
// (Shopify and WooCommerce natively, the Stockwire relays for Amazon, eBay
// and Flipkart by contract).
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "webhooks/parse.hpp"

namespace stockwire::webhooks {

namespace {

// OpenSSL wants non-null pointers even for empty inputs.
const unsigned char* bytes(std::string_view s) {
  static const unsigned char empty = 0;
  return s.empty() ? &empty : reinterpret_cast<const unsigned char*>(s.data());
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

} // namespace

std::string sign(std::string_view secret, std::string_view body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  if (HMAC(EVP_sha256(), bytes(secret), static_cast<int>(secret.size()),
           bytes(body), body.size(), mac, &mac_len) == nullptr)
    return {}; // matches no header: verification fails closed
  std::string out(4 * ((mac_len + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), mac,
                          static_cast<int>(mac_len));
  out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return out;
}

namespace detail {

bool check_signature(verdict& v, std::string_view secret, std::string_view body,
                     std::string_view header_value,
                     std::string_view header_name) {
  // An empty secret would let anyone sign: an account without one accepts
  // nothing.
  if (secret.empty())
    return fail(v, 401, "unauthenticated",
                "no webhook_secret configured for this channel account");
  auto given = trim(header_value);
  if (given.empty())
    return fail(v, 401, "unauthenticated",
                "missing " + std::string{header_name});
  // Both sides are canonical base64 of 32 bytes (44 characters); a length
  // difference reveals nothing about the secret, so only equal lengths are
  // compared, in constant time.
  auto expected = sign(secret, body);
  if (expected.empty() || given.size() != expected.size() ||
      CRYPTO_memcmp(given.data(), expected.data(), expected.size()) != 0)
    return fail(v, 401, "unauthenticated", "signature does not match");
  return true;
}

} // namespace detail

} // namespace stockwire::webhooks
