// Kafka over TLS for real (docs/tls.md): librdkafka's mock cluster behind a TLS front on the
// very ports it advertises (kafka_tls_broker.cc: the cluster lives in a network namespace of its
// own, so a client here reaches each broker, bootstrap and advertised address alike, only through
// the front), with the test CA's certificate for 127.0.0.1 (or one for another name).
//
// - `cutover run` with the change log on Kafka and a run to a Kafka target, both verify_full with
//   the test CA: the rows arrive (target equal to the source row by row; `cutover verify` 0
//   differences), and the front counted TLS handshakes and not one plain-text connection.
// - A CA that did not sign the brokers' certificate and a certificate that does not name
//   127.0.0.1 stop `cutover run` (and `cutover verify`) within seconds with the exact message
//   (field, cause, fix); verify_ca, the fix offered for the second, carries the rows.
// - `cutover check` asks the brokers with the spec's TLS settings (target and change log).
// - require connects through TLS without checking the certificate; prefer and disable speak
//   plain text (the front counts the plain connections and no handshake); require against the
//   plain-text mock cluster stops `cutover run` with its message.
#include <cstdio>
#include <regex>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kafka_support.h"
#include "run_support.h"

namespace cutover {
namespace {

using namespace std::chrono_literals;

constexpr int kRows = 200;
constexpr int kPartitions = 4;

// kafka_tls_broker as a child process, spoken to through its stdin and stdout.
class TlsKafka {
 public:
  // `brokers` brokers serving `cert_file`/`key_file`. A broker port the kernel gave the cluster
  // in its namespace can be taken here already: then a new cluster is made, three times at most.
  TlsKafka(int brokers, const std::string& cert_file, const std::string& key_file) {
    for (int attempt = 0; attempt < 3 && bootstraps_.empty(); ++attempt) {
      Start(brokers, cert_file, key_file);
      std::string ready = ReadLine();
      if (ready.rfind("ready ", 0) == 0) {
        bootstraps_ = ready.substr(6);
      } else {
        last_error_ = ready;
        Stop();
      }
    }
    EXPECT_FALSE(bootstraps_.empty()) << "kafka_tls_broker: " << last_error_;
  }
  ~TlsKafka() { Stop(); }
  TlsKafka(const TlsKafka&) = delete;
  TlsKafka& operator=(const TlsKafka&) = delete;

  const std::string& bootstraps() const { return bootstraps_; }

  void CreateTopic(const std::string& name, int partitions, int replication) {
    EXPECT_EQ(
        Ask("topic " + name + " " + std::to_string(partitions) + " " + std::to_string(replication)),
        "ok")
        << name;
  }

  struct Counts {
    int handshakes = -1;  // TLS handshakes that completed
    int failed = -1;      // TLS handshakes the client refused (with an alert: the certificate)
    int plain = -1;       // connections that did not start with a TLS handshake record
  };
  Counts counts() {
    std::istringstream words(Ask("stats"));
    std::string label;
    Counts out;
    words >> label >> out.handshakes >> label >> out.failed >> label >> out.plain;
    return out;
  }

 private:
  void Start(int brokers, const std::string& cert_file, const std::string& key_file) {
    int to_child[2];
    int from_child[2];
    ASSERT_EQ(pipe(to_child), 0);
    ASSERT_EQ(pipe(from_child), 0);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(to_child[0], 0);
      dup2(from_child[1], 1);
      close(to_child[1]);
      close(from_child[0]);
      execl(KAFKA_TLS_BROKER, KAFKA_TLS_BROKER, std::to_string(brokers).c_str(), cert_file.c_str(),
            key_file.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(to_child[0]);
    close(from_child[1]);
    in_ = fdopen(to_child[1], "w");
    out_ = fdopen(from_child[0], "r");
  }
  void Stop() {
    if (in_ != nullptr) fclose(in_);  // the end of its stdin ends it
    if (out_ != nullptr) fclose(out_);
    in_ = out_ = nullptr;
    if (pid_ > 0) waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  std::string ReadLine() {
    char line[4096];
    if (out_ == nullptr || fgets(line, sizeof(line), out_) == nullptr) return "";
    std::string text = line;
    if (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
  }
  std::string Ask(const std::string& command) {
    if (in_ == nullptr) return "";
    fprintf(in_, "%s\n", command.c_str());
    fflush(in_);
    return ReadLine();
  }

  pid_t pid_ = -1;
  FILE* in_ = nullptr;
  FILE* out_ = nullptr;
  std::string bootstraps_;
  std::string last_error_;
};

std::string KafkaBlock(const std::string& brokers, const std::string& mode,
                       const std::string& ca_file) {
  std::string out = "  kafka:\n    brokers: \"" + brokers +
                    "\"\n    partitions: " + std::to_string(kPartitions) +
                    "\n    tls:\n      mode: " + mode + "\n";
  if (!ca_file.empty()) out += "      ca_file: " + ca_file + "\n";
  return out;
}

class KafkaTlsTest : public runtest::WorkloadPairTest {
 protected:
  void SetUp() override {
    // mariadb-source's start makes the test CA and certificates in .run/tls.
    ASSERT_NO_FATAL_FAILURE(SetUpPair("kafka_tls", "cutover_kafka_tls", kRows));
    ASSERT_TRUE(std::filesystem::exists(testing::TlsCaFile())) << testing::TlsCaFile();
  }

  // The front with the test CA's certificate for 127.0.0.1 and localhost (or for another name).
  void StartKafka(bool wrong_host = false) {
    kafka_ = std::make_unique<TlsKafka>(
        3, wrong_host ? testing::TlsWrongHostCertFile() : testing::TlsServerCertFile(),
        wrong_host ? testing::TlsWrongHostKeyFile() : testing::TlsServerKeyFile());
    ASSERT_FALSE(kafka_->bootstraps().empty());
  }

  // A plain-text cluster (librdkafka's mock as it is, in this process) instead of the front; one
  // broker, so that its closed handshake is every bootstrap broker's.
  void StartPlainKafka() {
    plain_ = std::make_unique<testing::MockKafka>(1);
    kafka_ = nullptr;
  }

  std::string Bootstraps() const {
    return plain_ != nullptr ? plain_->bootstraps() : kafka_->bootstraps();
  }

  // MariaDB -> MariaDB with the change log on the Kafka brokers.
  void WriteLogSpec(const std::string& mode, const std::string& ca_file,
                    bool create_topics = true) {
    if (create_topics) {
      kafka_->CreateTopic("cutover.kafka-tls-log.log", kPartitions, 3);
      kafka_->CreateTopic("cutover.kafka-tls-log.log.control", 1, 3);
    }
    WriteSpec("kafka-tls-log",
              "change_log:\n  kind: kafka\n" + KafkaBlock(kafka_->bootstraps(), mode, ca_file));
  }

  // MariaDB -> the Kafka brokers, a topic per table.
  void WriteTargetSpec(const std::string& mode, const std::string& ca_file,
                       bool create_topics = true) {
    for (const char* table : {"accounts", "lines"}) {
      if (!create_topics) break;
      const std::string topic = "kafka-tls-target." + db_ + "." + table;
      if (plain_ != nullptr) {
        plain_->CreateTopic(topic, kPartitions, 1);
      } else {
        kafka_->CreateTopic(topic, kPartitions, 3);
      }
    }
    copytest::WriteFile(
        spec_,
        copytest::CopySpec("kafka-tls-target", testing::MariaDbSource(),
                           "target:\n  kind: kafka\n" + KafkaBlock(Bootstraps(), mode, ca_file),
                           "  - match: \"" + db_ + ".*\"\n", (dir_ / "state").string(), ""));
  }

  std::unique_ptr<runtest::CutoverProcess> Start(const std::string& command, const char* output) {
    return std::make_unique<runtest::CutoverProcess>(
        command + " " + spec_.string() + " --status-every 1", "", dir_ / output);
  }

  // Inserts, updates, a key change and deletes on the source while `cutover run` follows.
  void WriteSome() {
    copytest::Exec(*source_, "INSERT INTO " + db_ +
                                 ".accounts (id, owner, balance, updated, note) VALUES "
                                 "(900001, 'tls', 1.50, NOW(6), 'over TLS')");
    copytest::Exec(*source_,
                   "UPDATE " + db_ + ".accounts SET balance = balance + 1 WHERE id <= 20");
    copytest::Exec(*source_, "UPDATE " + db_ + ".accounts SET id = 900002 WHERE id = 21");
    copytest::Exec(*source_, "DELETE FROM " + db_ + ".accounts WHERE id BETWEEN 30 AND 39");
    copytest::Exec(*source_, "DELETE FROM " + db_ + ".lines WHERE order_id <= 10");
  }

  // Every connection that reached the brokers was TLS.
  void ExpectOnlyTls() {
    TlsKafka::Counts counts = kafka_->counts();
    EXPECT_GT(counts.handshakes, 0);
    EXPECT_EQ(counts.failed, 0);
    EXPECT_EQ(counts.plain, 0);
  }

  // `cutover run` must end by itself within `limit` with exit code 1; its output.
  std::string RunFails(std::chrono::seconds limit) {
    auto run = Start("run", "run.out");
    int code = 0;
    EXPECT_TRUE(run->WaitFor(limit, &code)) << "still running after " << limit.count() << " s\n"
                                            << run->Output();
    EXPECT_EQ(code, 1) << run->Output();
    return run->Output();
  }

  // The broker ("127.0.0.1:PORT") a failure message names: one of ours.
  std::string FailedBroker(const std::string& output) {
    std::smatch match;
    static const std::regex broker(R"(cannot connect to broker (127\.0\.0\.1:[0-9]+): )");
    if (!std::regex_search(output, match, broker)) return "<none>";
    EXPECT_NE(("," + kafka_->bootstraps() + ",").find("," + match[1].str() + ","),
              std::string::npos)
        << match[1] << " is not one of " << kafka_->bootstraps();
    return match[1];
  }

  std::unique_ptr<TlsKafka> kafka_;
  std::unique_ptr<testing::MockKafka> plain_;
};

TEST_F(KafkaTlsTest, ChangeLogVerifyFullRunEndsEqual) {
  ASSERT_NO_FATAL_FAILURE(StartKafka());
  WriteLogSpec("verify_full", testing::TlsCaFile());
  auto run = Start("run", "run.out");
  ASSERT_TRUE(runtest::WaitForCdc(*run)) << run->Output();
  WriteSome();
  runtest::ExpectTargetCatchesUp(*source_, db_, *target_, target_db_, 30s);
  runtest::StopRun(*run);
  ExpectOnlyTls();
}

TEST_F(KafkaTlsTest, TargetVerifyFullRunAndVerify) {
  ASSERT_NO_FATAL_FAILURE(StartKafka());
  WriteTargetSpec("verify_full", testing::TlsCaFile());
  auto run = Start("run", "run.out");
  ASSERT_TRUE(runtest::WaitForCdc(*run)) << run->Output();
  WriteSome();
  std::this_thread::sleep_for(3s);
  runtest::StopRun(*run);
  runtest::CutoverProcess verify("verify " + spec_.string(), "", dir_ / "verify.out");
  EXPECT_EQ(verify.Wait(), 0) << verify.Output();
  EXPECT_NE(verify.Output().find("0 differences"), std::string::npos) << verify.Output();
  ExpectOnlyTls();
}

// ... and `cutover verify`, which reads the topics, stops with it too (exit code 2).
TEST_F(KafkaTlsTest, WrongCaStopsRunAndVerifyNamingTheField) {
  ASSERT_NO_FATAL_FAILURE(StartKafka());
  WriteTargetSpec("verify_full", testing::TlsOtherCaFile());
  std::string output = RunFails(20s);
  const std::string message =
      "FailedPrecondition: kafka: cannot connect to broker " + FailedBroker(output) +
      ": target.kafka.tls: the broker's certificate is not trusted: no CA in "
      "target.kafka.tls.ca_file (" +
      testing::TlsOtherCaFile() +
      ") signed it (librdkafka: error:0A000086:SSL routines::certificate verify failed; OpenSSL: "
      "unable to get local issuer certificate); set target.kafka.tls.ca_file to the CA bundle "
      "that signed the brokers' certificates\n";
  EXPECT_NE(output.find("cutover run: " + message), std::string::npos) << output;
  EXPECT_GT(kafka_->counts().failed, 0);
  EXPECT_EQ(kafka_->counts().plain, 0);
  runtest::CutoverProcess verify("verify " + spec_.string(), "", dir_ / "verify.out");
  EXPECT_EQ(verify.Wait(), 2) << verify.Output();
  EXPECT_NE(verify.Output().find("cutover verify: FailedPrecondition: kafka: cannot connect to "
                                 "broker 127.0.0.1:"),
            std::string::npos)
      << verify.Output();
  EXPECT_NE(verify.Output().find(message.substr(message.find(": target.kafka.tls: "))),
            std::string::npos)
      << verify.Output();
}

TEST_F(KafkaTlsTest, WrongHostStopsRunNamingTheFieldAndVerifyCaPasses) {
  ASSERT_NO_FATAL_FAILURE(StartKafka(/*wrong_host=*/true));
  WriteLogSpec("verify_full", testing::TlsCaFile());
  std::string output = RunFails(20s);
  const std::string broker = FailedBroker(output);
  EXPECT_NE(
      output.find("cutover run: FailedPrecondition: kafka: cannot connect to broker " + broker +
                  ": change_log.kafka.tls: host name mismatch: the broker's certificate "
                  "does not name '127.0.0.1' (librdkafka: error:0A000086:SSL "
                  "routines::certificate verify failed; OpenSSL: IP address mismatch); list the "
                  "brokers in change_log.kafka.brokers by "
                  "names their certificates list (their advertised listeners too), or use "
                  "change_log.kafka.tls.mode verify_ca to check the CA alone\n"),
      std::string::npos)
      << output;
  EXPECT_GT(kafka_->counts().failed, 0);
  // The fix the message offers: verify_ca checks the chain alone, and the rows arrive.
  WriteLogSpec("verify_ca", testing::TlsCaFile(), /*create_topics=*/false);
  auto run = Start("run", "verify-ca.out");
  ASSERT_TRUE(runtest::WaitForCdc(*run)) << run->Output();
  runtest::ExpectTargetCatchesUp(*source_, db_, *target_, target_db_, 30s);
  runtest::StopRun(*run);
}

// `cutover check` asks the brokers too: a target and a change log with the right CA pass, a CA
// that did not sign the brokers' certificate fails with the field, cause and fix (exit 1).
TEST_F(KafkaTlsTest, CheckAsksTheBrokersWithTheSpecsTls) {
  ASSERT_NO_FATAL_FAILURE(StartKafka());
  auto check = [&](const char* output) {
    runtest::CutoverProcess process("check " + spec_.string(), "", dir_ / output);
    int code = process.Wait();
    // The report's column padding as two spaces.
    return std::make_pair(code, std::regex_replace(process.Output(), std::regex("   +"), "  "));
  };
  WriteTargetSpec("verify_full", testing::TlsCaFile(), /*create_topics=*/false);
  auto [code, output] = check("check-target.out");
  EXPECT_EQ(code, 0) << output;
  EXPECT_NE(output.find("PASS  target.kafka.brokers  the Kafka brokers answer  3 brokers in the "
                        "cluster\n"),
            std::string::npos)
      << output;
  WriteLogSpec("verify_full", testing::TlsCaFile(), /*create_topics=*/false);
  std::tie(code, output) = check("check-log.out");
  EXPECT_EQ(code, 0) << output;
  EXPECT_NE(output.find("PASS  change_log.kafka.brokers  the Kafka brokers answer  3 brokers in "
                        "the cluster\n"),
            std::string::npos)
      << output;
  WriteTargetSpec("verify_full", testing::TlsOtherCaFile(), /*create_topics=*/false);
  std::tie(code, output) = check("check-wrong-ca.out");
  EXPECT_EQ(code, 1) << output;
  EXPECT_NE(output.find("FAIL  target.kafka.brokers  the Kafka brokers answer  kafka: cannot "
                        "connect to broker 127.0.0.1:"),
            std::string::npos)
      << output;
  EXPECT_NE(output.find(": target.kafka.tls: the broker's certificate is not trusted: no CA in "
                        "target.kafka.tls.ca_file (" +
                        testing::TlsOtherCaFile() + ") signed it"),
            std::string::npos)
      << output;
  EXPECT_NE(output.find("\n  fix: change target.kafka as the message says\n"), std::string::npos)
      << output;
}

// require: TLS, certificate unchecked (another CA's file and a certificate for another name
// pass); prefer and disable: plain text, which the TLS port never answers.
TEST_F(KafkaTlsTest, RequirePreferDisable) {
  ASSERT_NO_FATAL_FAILURE(StartKafka(/*wrong_host=*/true));
  WriteTargetSpec("require", testing::TlsOtherCaFile());
  {
    auto run = Start("run", "require.out");
    ASSERT_TRUE(runtest::WaitForCdc(*run)) << run->Output();
    runtest::StopRun(*run);
  }
  ExpectOnlyTls();
  const int handshakes = kafka_->counts().handshakes;
  for (const char* mode : {"prefer", "disable"}) {
    WriteTargetSpec(mode, "", /*create_topics=*/false);
    auto run = Start("run", (std::string(mode) + ".out").c_str());
    // Its first connection is plain text: counted, closed unanswered.
    const int plain = kafka_->counts().plain;
    for (int waited = 0; waited < 100 && kafka_->counts().plain == plain; ++waited) {
      std::this_thread::sleep_for(100ms);
    }
    EXPECT_GT(kafka_->counts().plain, plain) << mode << "\n" << run->Output();
    EXPECT_EQ(kafka_->counts().handshakes, handshakes) << mode;
    run->Signal(SIGKILL);
    run->Wait();
  }
}

// require against brokers that serve plain text only: stopped within seconds, not retried.
TEST_F(KafkaTlsTest, RequireAgainstPlainTextBrokersStopsRun) {
  StartPlainKafka();
  WriteTargetSpec("require", "");
  std::string output = RunFails(20s);
  EXPECT_NE(output.find(": target.kafka.tls: the broker does not speak TLS on this port: it closed "
                        "the connection during the TLS handshake (librdkafka: connecting to a "
                        "PLAINTEXT broker listener?); list the brokers' TLS listeners in "
                        "target.kafka.brokers, or set target.kafka.tls.mode disable for plain "
                        "text\n"),
            std::string::npos)
      << output;
  EXPECT_NE(
      output.find("cutover run: FailedPrecondition: kafka: cannot connect to broker 127.0.0.1:"),
      std::string::npos)
      << output;
}

}  // namespace
}  // namespace cutover
