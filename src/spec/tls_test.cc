// Tests the TLS parts of the spec: where each tls block is (for messages), the control API's
// HTTPS fields (tls_cert_file, tls_key_file) and the texts of a failed TLS handshake.
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

#include "cutover/spec.h"

namespace cutover {
namespace {

constexpr char kMinimal[] =
    "name: shop\n"
    "source: {kind: mariadb, user: cutover, tls: {mode: require}}\n"
    "target: {kind: postgres, user: cutover, database: shop}\n"
    "tables: [{match: shop.*}]\n";

// A directory with cert.pem and key.pem (their contents do not matter to the spec).
class ControlTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("cutover_spec_tls_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "cert.pem") << "certificate";
    std::ofstream(dir_ / "key.pem") << "key";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  Result<Spec> Parse(const std::string& control) {
    return ParseSpec(std::string(kMinimal) + "control: " + control + "\n", dir_ / "spec.yaml");
  }

  std::filesystem::path dir_;
};

TEST_F(ControlTlsTest, CertAndKeyResolvedFromTheSpecDirectory) {
  Result<Spec> spec = Parse("{tls_cert_file: cert.pem, tls_key_file: key.pem}");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->control.tls_cert_file, (dir_ / "cert.pem").string());
  EXPECT_EQ(spec->control.tls_key_file, (dir_ / "key.pem").string());
}

TEST_F(ControlTlsTest, NeitherMeansPlainHttp) {
  Result<Spec> spec = Parse("{listen: \"127.0.0.1:0\"}");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->control.tls_cert_file, "");
  EXPECT_EQ(spec->control.tls_key_file, "");
}

TEST_F(ControlTlsTest, OneWithoutTheOtherIsAnError) {
  Result<Spec> spec = Parse("{tls_cert_file: cert.pem}");
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().message(),
            (dir_ / "spec.yaml").string() +
                ": control.tls_cert_file: set without tls_key_file; HTTPS needs both the "
                "certificate (tls_cert_file) and its private key (tls_key_file), or neither for "
                "plain HTTP");
  spec = Parse("{tls_key_file: key.pem}");
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.status().message().find(
                "control.tls_key_file: set without tls_cert_file; HTTPS needs both"),
            std::string::npos)
      << spec.status().message();
}

TEST_F(ControlTlsTest, UnreadableFileIsAnErrorAtLoad) {
  Result<Spec> spec = Parse("{tls_cert_file: missing.pem, tls_key_file: key.pem}");
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.status().message().find("control.tls_cert_file: cannot read " +
                                         (dir_ / "missing.pem").string() +
                                         ": No such file or directory; fix the path"),
            std::string::npos)
      << spec.status().message();
}

TEST_F(ControlTlsTest, EachTlsBlockKnowsWhereItIs) {
  Result<Spec> spec = Parse("{}");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->source.connection.tls.field, "source.tls");
  EXPECT_EQ(spec->target.connection.tls.field, "target.tls");
  EXPECT_EQ(TlsSpec().field, "tls");
}

TEST(TlsFailureTextTest, NamesTheFieldTheCauseAndTheFix) {
  TlsSpec tls;
  tls.field = "target.tls";
  tls.ca_file = "/etc/ca.pem";
  EXPECT_EQ(TlsFailureText(tls, "db.example", TlsFailure::kUntrusted, "chain"),
            "target.tls: the server's certificate is not trusted: no CA in target.tls.ca_file "
            "(/etc/ca.pem) signed it (chain); set target.tls.ca_file to the CA bundle that "
            "signed the server's certificate");
  EXPECT_EQ(TlsFailureText(tls, "db.example", TlsFailure::kHostMismatch, "name"),
            "target.tls: host name mismatch: the server's certificate does not name "
            "'db.example' (name); set target.host to a name the certificate lists, or use "
            "target.tls.mode verify_ca to check the CA alone");
  EXPECT_EQ(TlsFailureText(tls, "db.example", TlsFailure::kOther, "alert"),
            "target.tls: the TLS handshake with the server failed (alert); check the server's "
            "certificate and key, and target.tls");
}

}  // namespace
}  // namespace cutover
