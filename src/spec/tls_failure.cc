// TlsFailureText: what a failed TLS handshake means for the spec, in one message that names the
// field, the cause and the fix (docs/tls.md).
#include <string>

#include "cutover/spec.h"

namespace cutover {

std::string TlsFailureText(const TlsSpec& tls, std::string_view host, TlsFailure failure,
                           std::string_view detail) {
  const std::string field = tls.field;
  // "source.tls" -> "source.": the block whose host the certificate must name.
  const std::string parent =
      field.ends_with(".tls") ? field.substr(0, field.size() - 3) : std::string();
  const std::string said = " (" + std::string(detail) + ")";
  switch (failure) {
    case TlsFailure::kUntrusted:
      return field + ": the server's certificate is not trusted: no CA in " + field + ".ca_file (" +
             tls.ca_file + ") signed it" + said + "; set " + field +
             ".ca_file to the CA bundle that signed the server's certificate";
    case TlsFailure::kHostMismatch:
      return field + ": host name mismatch: the server's certificate does not name '" +
             std::string(host) + "'" + said + "; set " + parent +
             "host to a name the certificate lists, or use " + field +
             ".mode verify_ca to check the CA alone";
    case TlsFailure::kOther: break;
  }
  return field + ": the TLS handshake with the server failed" + said +
         "; check the server's certificate and key, and " + field;
}

std::string TlsHandshakeFix(std::string_view side) {
  const std::string tls = std::string(side) + ".tls";
  return "do what the message says: change " + tls + ".ca_file, " + tls + ".mode or " +
         std::string(side) + ".host in the spec, or the server's certificate (docs/tls.md)";
}

}  // namespace cutover
