// SigV4 against vectors of AWS's published Signature Version 4 test suite (aws-sig-v4-test-suite):
// the canonical request, the string to sign and the signature must match exactly.
#include "sink/dynamodb/sigv4.h"

#include <gtest/gtest.h>

namespace cutover::dynamodb {
namespace {

// The suite's credentials, scope and time.
const Credentials kSuiteCredentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
const SigningScope kSuiteScope{"us-east-1", "service", "20150830T123600Z"};
constexpr char kEmptyHash[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

SignableRequest Request(std::string method, std::string query = "") {
  SignableRequest request;
  request.method = std::move(method);
  request.query = std::move(query);
  request.headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}};
  return request;
}

std::string StringToSign(const std::string& hash) {
  return "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n" + hash;
}

TEST(SigV4Test, GetVanilla) {
  SignatureParts parts = SignV4(Request("GET"), kSuiteCredentials, kSuiteScope);
  EXPECT_EQ(parts.canonical_request,
            std::string("GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
                        "host;x-amz-date\n") +
                kEmptyHash);
  EXPECT_EQ(parts.string_to_sign,
            StringToSign("bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"));
  EXPECT_EQ(parts.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4Test, GetVanillaQueryOrderKeyCase) {
  SignatureParts parts =
      SignV4(Request("GET", "Param2=value2&Param1=value1"), kSuiteCredentials, kSuiteScope);
  EXPECT_EQ(parts.canonical_request,
            std::string("GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\n"
                        "x-amz-date:20150830T123600Z\n\nhost;x-amz-date\n") +
                kEmptyHash);
  EXPECT_EQ(parts.string_to_sign,
            StringToSign("816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0"));
  EXPECT_EQ(parts.signature, "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

TEST(SigV4Test, PostVanilla) {
  SignatureParts parts = SignV4(Request("POST"), kSuiteCredentials, kSuiteScope);
  EXPECT_EQ(parts.signature, "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
}

TEST(SigV4Test, PostXWwwFormUrlencoded) {
  SignableRequest request = Request("POST");
  // Last, not first: SignV4 sorts the headers all the same. (An insert at the front is a false
  // -Wnull-dereference of GCC 12 at -O3 inside std::vector.)
  request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  request.body = "Param1=value1";
  SignatureParts parts = SignV4(request, kSuiteCredentials, kSuiteScope);
  EXPECT_EQ(parts.canonical_request,
            "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\n"
            "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "content-type;host;x-amz-date\n"
            "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e");
  EXPECT_EQ(parts.signature, "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
  EXPECT_EQ(parts.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date, "
            "Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
}

TEST(SigV4Test, HeaderValuesAreTrimmedAndCollapsed) {
  // The suite's get-header-value-trim vector.
  SignableRequest request = Request("GET");
  request.headers.push_back({"My-Header1", " value1"});
  request.headers.push_back({"My-Header2", "\"a   b   c\""});
  SignatureParts parts = SignV4(request, kSuiteCredentials, kSuiteScope);
  EXPECT_NE(parts.canonical_request.find("my-header1:value1\nmy-header2:\"a b c\"\n"),
            std::string::npos);
  EXPECT_EQ(parts.signature, "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736");
}

TEST(SigV4Test, AmzDateIsUtc) {
  EXPECT_EQ(AmzDate(std::chrono::system_clock::from_time_t(1440938160)), "20150830T123600Z");
}

}  // namespace
}  // namespace cutover::dynamodb
