// Helpers of the `cutover run` tests: the CLI as a background process that a test signals or
// kill -9s, and a source write workload (inserts, updates including key changes, deletes, in
// multi-row transactions) on its own thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "copy_support.h"

namespace cutover::runtest {

// A program started in the background with `/bin/sh -c "exec <command>"`, stdout and stderr
// appended to a file; killed (SIGKILL) when destroyed before it was waited for. With
// `die_with_parent`, also killed when the thread that started it ends (PR_SET_PDEATHSIG), so a
// test process killed by ctest's timeout or a crash leaves no program behind: only for programs
// started by a thread that outlives them (the test's main thread).
class Process {
 public:
  Process(const std::string& command, const std::filesystem::path& output,
          bool die_with_parent = false)
      : output_(output) {
    std::string line = "exec " + command + " >> " + output.string() + " 2>&1";
    const pid_t parent = getpid();
    pid_ = fork();
    if (pid_ == 0) {
      if (die_with_parent && (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)) {
        _exit(127);
      }
      execl("/bin/sh", "sh", "-c", line.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  ~Process() {
    if (pid_ > 0 && !waited_) {
      kill(pid_, SIGKILL);
      Wait();
    }
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  void Signal(int signal) { kill(pid_, signal); }
  pid_t pid() const { return pid_; }
  // Waits for the end: the exit code, or -signal when a signal ended it.
  int Wait() {
    int status = 0;
    waitpid(pid_, &status, 0);
    waited_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  }
  // True when the process ended on its own within `timeout`; *code gets Wait()'s value.
  bool WaitFor(std::chrono::milliseconds timeout, int* code) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        waited_ = true;
        *code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  std::string Output() const {
    std::ifstream in(output_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  std::filesystem::path output_;
  pid_t pid_ = -1;
  bool waited_ = false;
};

// Waits (at most `timeout`) until a `cutover run` started with --status-every reports that
// it applies changes ("cdc: cdc"); false if it never did.
inline bool WaitForCdc(const Process& run,
                       std::chrono::seconds timeout = std::chrono::seconds(60)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (run.Output().find("cdc: cdc") == std::string::npos) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return true;
}

// Runs `command` every 500 ms until its output contains `text` (true) or `timeout` passes
// (false); `last` keeps the last output. For polling `cutover status` until it says something.
template <typename Command>
bool OutputSays(Command command, const std::string& text, std::chrono::seconds timeout,
                std::string* last) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    *last = command();
    if (last->find(text) != std::string::npos) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

// `cutover <args>` (the CUTOVER_BIN executable) in the background with `env` ("NAME=value
// ..."), the test servers' password in COPY_TEST_PASSWORD.
class CutoverProcess : public Process {
 public:
  CutoverProcess(const std::string& args, const std::string& env,
                 const std::filesystem::path& output, bool die_with_parent = false)
      : Process("env COPY_TEST_PASSWORD=cutover-test " + env + " " + Bin() + " " + args, output,
                die_with_parent) {}

 private:
  static std::string Bin() {
    const char* bin = std::getenv("CUTOVER_BIN");
    EXPECT_NE(bin, nullptr) << "CUTOVER_BIN must name the cutover executable";
    return bin ? bin : "cutover";
  }
};

// Stops a `cutover run` with SIGTERM: it must exit 0 within 30 s.
inline void StopRun(Process& run) {
  run.Signal(SIGTERM);
  int code = 0;
  ASSERT_TRUE(run.WaitFor(std::chrono::seconds(30), &code)) << run.Output();
  EXPECT_EQ(code, 0) << run.Output();
}

// Runs `start(env)` (which starts `cutover run` with extra environment) once per pause point,
// each run expected to die by SIGKILL at its point, then once more killed after 1.5 s at
// whatever it is doing. The caller's next run resumes from all that.
template <typename StartRun>
void KillAtEachPointThenAtRandom(StartRun start, std::initializer_list<const char*> points) {
  for (const char* point : points) {
    std::unique_ptr<CutoverProcess> run = start(std::string("CUTOVER_TEST_PAUSE_AT=") + point);
    int code = 0;
    ASSERT_TRUE(run->WaitFor(std::chrono::seconds(60), &code)) << point << ": not killed\n"
                                                               << run->Output();
    ASSERT_EQ(code, -SIGKILL) << point << "\n" << run->Output();
  }
  std::unique_ptr<CutoverProcess> run = start("");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  run->Signal(SIGKILL);
  EXPECT_EQ(run->Wait(), -SIGKILL);
}

// The workload's tables in `db`: accounts (single integer key, secondary index, DECIMAL,
// DATETIME(6), nullable TEXT) and lines (composite key), `rows` rows each (0: empty).
inline void CreateWorkloadSchema(mysql::Connection& sql, const std::string& db, int rows) {
  copytest::Exec(sql, "DROP DATABASE IF EXISTS " + db);
  copytest::Exec(sql, "CREATE DATABASE " + db);
  copytest::Exec(sql, "CREATE TABLE " + db +
                          ".accounts (id INT PRIMARY KEY, owner VARCHAR(40) NOT NULL, "
                          "balance DECIMAL(12,2) NOT NULL, updated DATETIME(6) NOT NULL, "
                          "note TEXT NULL, KEY by_owner (owner))");
  copytest::Exec(sql, "CREATE TABLE " + db +
                          ".`lines` (order_id INT NOT NULL, line INT NOT NULL, sku VARCHAR(20) "
                          "NOT NULL, qty INT NOT NULL, PRIMARY KEY (order_id, line))");
  if (rows == 0) return;
  std::string count = std::to_string(rows);
  copytest::Exec(sql, "INSERT INTO " + db +
                          ".accounts SELECT seq, CONCAT('owner ', seq % 97), seq * 1.25, "
                          "'2024-01-01' + INTERVAL seq SECOND, IF(seq % 3 = 0, NULL, "
                          "CONCAT('note ', seq)) FROM " +
                          db + ".seq_1_to_" + count);
  copytest::Exec(sql, "INSERT INTO " + db +
                          ".`lines` SELECT seq DIV 4, seq % 4, CONCAT('sku', "
                          "seq % 50), seq % 9 FROM " +
                          db + ".seq_1_to_" + count);
}

// Schema changes to the workload's accounts table in `db`, each followed by writes that use it,
// as the schema-change tests make them under the workload: ADD COLUMN tier INT NOT NULL DEFAULT
// 7, then a tier on every 10th row; owner widened to VARCHAR(80), then owners longer than the
// old 40 characters on every 7th row; tier's default changed to 9.
inline void AlterAccounts(mysql::Connection& sql, const std::string& db) {
  const std::string accounts = db + ".accounts";
  copytest::Exec(sql, "ALTER TABLE " + accounts + " ADD COLUMN tier INT NOT NULL DEFAULT 7");
  copytest::Exec(sql, "UPDATE " + accounts + " SET tier = id % 5 WHERE id % 10 = 0");
  copytest::Exec(sql, "ALTER TABLE " + accounts + " MODIFY owner VARCHAR(80) NOT NULL");
  copytest::Exec(
      sql, "UPDATE " + accounts + " SET owner = CONCAT(owner, REPEAT('x', 50)) WHERE id % 7 = 0");
  copytest::Exec(sql, "ALTER TABLE " + accounts + " ALTER COLUMN tier SET DEFAULT 9");
}

// The first rows (at most 10 of each) only the source or only the target has, for a failure
// message.
inline std::string RowsDiff(const std::vector<std::string>& source_rows,
                            const std::vector<std::string>& target_rows) {
  std::set<std::string> source_set(source_rows.begin(), source_rows.end());
  std::set<std::string> target_set(target_rows.begin(), target_rows.end());
  std::string out;
  int shown = 0;
  for (const std::string& row : source_set) {
    if (!target_set.contains(row) && shown++ < 10) out += "  source only: " + row + "\n";
  }
  shown = 0;
  for (const std::string& row : target_set) {
    if (!source_set.contains(row) && shown++ < 10) out += "  target only: " + row + "\n";
  }
  return out;
}

// The workload tables' rows in `db`, in key order, one text line each.
inline std::vector<std::string> WorkloadRows(mysql::Connection& sql, const std::string& db,
                                             const std::string& table) {
  std::string order = table == "accounts" ? "id" : "order_id, line";
  return copytest::Lines(sql, "SELECT * FROM " + db + ".`" + table + "` ORDER BY " + order);
}

// Polls until both workload tables are equal in the source's `db` and the target's `target_db`
// (the workload has stopped), at most `timeout`; then asserts they are, row by row. Returns the
// rows compared.
inline size_t ExpectTargetCatchesUp(mysql::Connection& source, const std::string& db,
                                    mysql::Connection& target, const std::string& target_db,
                                    std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    bool equal = true;
    for (const char* table : {"accounts", "lines"}) {
      equal = equal && WorkloadRows(source, db, table) == WorkloadRows(target, target_db, table);
    }
    if (equal || std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  size_t compared = 0;
  for (const char* table : {"accounts", "lines"}) {
    std::vector<std::string> source_rows = WorkloadRows(source, db, table);
    std::vector<std::string> target_rows = WorkloadRows(target, target_db, table);
    EXPECT_EQ(target_rows.size(), source_rows.size()) << table;
    EXPECT_TRUE(target_rows == source_rows) << table << " differs:\n"
                                            << RowsDiff(source_rows, target_rows);
    compared += source_rows.size();
  }
  return compared;
}

// `db`.people: 200 rows (id, a unique e-mail, a counter).
inline void CreatePeople(mysql::Connection& sql, const std::string& db) {
  copytest::Exec(sql, "CREATE TABLE " + db +
                          ".people (id INT PRIMARY KEY, email VARCHAR(40) NOT NULL, n INT, "
                          "UNIQUE KEY by_email (email))");
  copytest::Exec(sql, "INSERT INTO " + db + ".people SELECT seq, CONCAT('p', seq, '@x'), 0 FROM " +
                          db + ".seq_1_to_200");
}

// Unique e-mails moving between rows of `db`.people: 150 times two random rows swap theirs
// through a temporary value in one transaction; every 10th time a row hands its e-mail to a new
// row and takes a fresh one.
inline void MoveUniqueValues(mysql::Connection& sql, const std::string& db) {
  const std::string people = db + ".people";
  std::mt19937 random(7);
  int next_id = 1000;
  auto transaction = [&](std::initializer_list<std::string> statements) {
    copytest::Exec(sql, "START TRANSACTION");
    for (const std::string& statement : statements) copytest::Exec(sql, statement);
    copytest::Exec(sql, "COMMIT");
  };
  auto where = [](int id) { return " WHERE id = " + std::to_string(id); };
  for (int round = 0; round < 150; ++round) {
    int a = 1 + static_cast<int>(random() % 200);
    int b = 1 + static_cast<int>(random() % 200);
    if (a != b) {
      transaction({"SELECT email INTO @ea FROM " + people + where(a),
                   "SELECT email INTO @eb FROM " + people + where(b),
                   "UPDATE " + people + " SET email = 'tmp" + std::to_string(round) + "'" +
                       where(a),
                   "UPDATE " + people + " SET email = @ea, n = n + 1" + where(b),
                   "UPDATE " + people + " SET email = @eb, n = n + 1" + where(a)});
    }
    if (round % 10 == 0) {
      transaction({"SELECT email INTO @ea FROM " + people + where(a),
                   "UPDATE " + people + " SET email = 'fresh" + std::to_string(round) + "'" +
                       where(a),
                   "INSERT INTO " + people + " VALUES (" + std::to_string(next_id++) +
                       ", @ea, 0)"});
    }
  }
}

// The fixture of the tests that move the workload tables from the MariaDB source to a MariaDB
// target database: both servers reachable, `db_` (`<prefix>_<pid>`) on the source with the
// workload tables of `rows` rows each, its target database `db_`_t dropped, a temporary
// directory for the spec, state and outputs; all removed afterwards (kept after a failure with
// CUTOVER_TEST_KEEP set, to investigate).
class WorkloadPairTest : public ::testing::Test {
 protected:
  // Call with ASSERT_NO_FATAL_FAILURE from SetUp.
  void SetUpPair(const std::string& db_prefix, const std::string& dir_prefix, int rows) {
    ASSERT_TRUE(testing::EnsureServer("mariadb-source"));
    ASSERT_TRUE(testing::EnsureServer("mariadb-target"));
    source_ = copytest::Connect(testing::MariaDbSource());
    target_ = copytest::Connect(testing::MariaDbTarget());
    ASSERT_NE(source_, nullptr);
    ASSERT_NE(target_, nullptr);
    db_ = db_prefix + "_" + std::to_string(getpid());
    target_db_ = db_ + "_t";
    dir_ = copytest::MakeTempDir(dir_prefix);
    copytest::Exec(*target_, "DROP DATABASE IF EXISTS " + target_db_);
    CreateWorkloadSchema(*source_, db_, rows);
    spec_ = dir_ / "spec.yaml";
  }
  // spec_: migration `name`, every table of db_ into target_db_, state in dir_, then `extra`.
  void WriteSpec(const std::string& name, const std::string& extra) {
    copytest::WriteFile(
        spec_,
        copytest::CopySpec(name, testing::MariaDbSource(),
                           copytest::MariaDbTargetYaml(testing::MariaDbTarget(), target_db_),
                           "  - match: \"" + db_ + ".*\"\n", (dir_ / "state").string(), extra));
  }
  void TearDown() override {
    if (HasFailure() && std::getenv("CUTOVER_TEST_KEEP") != nullptr) return;
    if (source_) copytest::Exec(*source_, "DROP DATABASE IF EXISTS " + db_);
    if (target_) copytest::Exec(*target_, "DROP DATABASE IF EXISTS " + target_db_);
    std::filesystem::remove_all(dir_);
  }

  std::unique_ptr<mysql::Connection> source_;
  std::unique_ptr<mysql::Connection> target_;
  std::string db_;
  std::string target_db_;
  std::filesystem::path dir_;
  std::filesystem::path spec_;
};

// Random multi-row transactions on the workload tables until Stop(): inserts, updates (of
// values and of primary keys), deletes. Keys never collide: new keys come from counters.
class Workload {
 public:
  Workload(const testing::ServerInfo& server, std::string db, int rows)
      : server_(server), db_(std::move(db)), next_id_(rows + 1), next_order_(rows + 1) {}
  ~Workload() { Stop(); }

  void Start(std::chrono::milliseconds pause) {
    thread_ = std::thread([this, pause] { Loop(pause); });
  }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int transactions() const { return transactions_.load(); }
  int failures() const { return failures_.load(); }

 private:
  void Loop(std::chrono::milliseconds pause) {
    std::unique_ptr<mysql::Connection> sql;
    std::mt19937 random(12345);
    while (!stop_) {
      if (sql == nullptr) {
        mysql::ConnectOptions options;
        options.use_database = false;
        auto opened = mysql::Connection::Open(copytest::ConnectionFor(server_), options);
        if (!opened.ok()) {
          std::this_thread::sleep_for(std::chrono::milliseconds(200));  // a restarting source
          continue;
        }
        sql = *std::move(opened);
      }
      bool ok = sql->Execute("START TRANSACTION").ok();
      int ops = 2 + static_cast<int>(random() % 5);
      for (int op = 0; ok && op < ops; ++op) ok = sql->Execute(Statement(random)).ok();
      ok = ok && sql->Execute("COMMIT").ok();
      if (ok) {
        ++transactions_;
      } else {
        ++failures_;
        sql.reset();  // the connection may be gone; a failed transaction was rolled back
      }
      std::this_thread::sleep_for(pause);
    }
  }

  std::string Statement(std::mt19937& random) {
    std::string accounts = db_ + ".accounts";
    std::string lines = db_ + ".`lines`";
    int id = 1 + static_cast<int>(random() % static_cast<unsigned>(next_id_));
    int order = static_cast<int>(random() % static_cast<unsigned>(next_order_));
    switch (random() % 9) {
      case 0:
      case 1: {
        int fresh = next_id_++;
        return fmt::format(
            "INSERT INTO {} (id, owner, balance, updated, note) VALUES ({}, 'owner {}', {}.5, "
            "NOW(6), IF({} % 2, NULL, 'fresh'))",
            accounts, fresh, fresh % 97, fresh, fresh);
      }
      case 2:
      case 3:
        return fmt::format(
            "UPDATE {} SET balance = balance + 1.25, updated = NOW(6), note = "
            "CONCAT('touched ', {}) WHERE id = {}",
            accounts, random() % 1000, id);
      case 4: return fmt::format("UPDATE {} SET id = {} WHERE id = {}", accounts, next_id_++, id);
      case 5: return fmt::format("DELETE FROM {} WHERE id = {}", accounts, id);
      case 6: {
        int fresh = next_order_++;
        return fmt::format(
            "INSERT INTO {} (order_id, line, sku, qty) VALUES ({}, 0, 'new', 1), ({}, 1, 'new', "
            "2)",
            lines, fresh, fresh);
      }
      case 7:
        return fmt::format("UPDATE {} SET qty = qty + 1, line = line + 1000 WHERE order_id = {}",
                           lines, order);
      default: return fmt::format("DELETE FROM {} WHERE order_id = {}", lines, order);
    }
  }

  const testing::ServerInfo server_;
  const std::string db_;
  int next_id_;
  int next_order_;
  std::atomic<bool> stop_{false};
  std::atomic<int> transactions_{0};
  std::atomic<int> failures_{0};
  std::thread thread_;
};

}  // namespace cutover::runtest
