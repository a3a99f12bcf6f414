// RunScenario: one seeded fault scenario from setup to the row-by-row comparison.
#include "scenario.h"

#include <algorithm>
#include <cstdio>
#include <random>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "fault_proxy.h"
#include "integration/dynamodb_support.h"
#include "integration/postgres_source_support.h"
#include "integration/verify_support.h"
#include "sink/dynamodb/operations.h"

namespace cutover::fault {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
constexpr int kTables = 2;

// Prints at once (ctest and bench/chaos.sh read the output as it comes).
template <typename... Args>
void Say(fmt::format_string<Args...> format, Args&&... args) {
  std::string line = fmt::format(format, std::forward<Args>(args)...) + "\n";
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

std::string ServerName(Pair pair, const std::string& link) {
  if (link == "source") {
    return pair == Pair::kPostgresToPostgres ? "postgres-source" : "mariadb-source";
  }
  switch (pair) {
    case Pair::kMariaDbToMariaDb: return "mariadb-target";
    case Pair::kMariaDbToDynamoDb: return "dynalite";
    case Pair::kPostgresToPostgres: return "postgres-target";
  }
  return "";
}

testing::ServerInfo Server(const std::string& name) {
  if (name == "mariadb-source") return testing::MariaDbSource();
  if (name == "mariadb-target") return testing::MariaDbTarget();
  if (name == "postgres-source") return testing::PostgresSource();
  if (name == "postgres-target") return testing::PostgresTarget();
  return testing::Dynalite();
}

// sysbench oltp_write_only on the source until Stop(), capped at `rate` transactions per second,
// started again whenever it ends (a restarted or unreachable source ends it).
class SysbenchLoad {
 public:
  SysbenchLoad(std::string connection, std::string env, std::filesystem::path out, int rows)
      : connection_(std::move(connection)),
        env_(std::move(env)),
        out_(std::move(out)),
        rows_(rows) {}
  ~SysbenchLoad() { Stop(); }

  // sysbench `verb` (prepare) run to its end; true on success.
  bool Run(const std::string& verb) {
    return std::system((Command(verb) + " >> " + out_.string() + " 2>&1").c_str()) == 0;
  }
  void Start(int rate) {
    thread_ = std::thread([this, rate] {
      while (!stop_) {
        runtest::Process load(Command(fmt::format("--threads=2 --rate={} --time=0 run", rate)),
                              out_);
        int code = 0;
        while (!stop_ && !load.WaitFor(200ms, &code)) {
        }
        if (stop_) break;
        ++restarts_;
        std::this_thread::sleep_for(500ms);
      }
    });
  }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int restarts() const { return restarts_.load(); }

 private:
  std::string Command(const std::string& verb) const {
    return fmt::format(
        "env {} sysbench oltp_write_only {} --tables={} --table-size={} --db-ps-mode=disable "
        "--report-interval=0 {}",
        env_, connection_, kTables, rows_, verb);
  }

  const std::string connection_;
  const std::string env_;
  const std::filesystem::path out_;
  const int rows_;
  std::atomic<bool> stop_{false};
  std::atomic<int> restarts_{0};
  std::thread thread_;
};

// The scenario's `cutover run`, killed by its PID and reaped on every way out of the scenario:
// the normal end, a failed assertion's early return, an exception; and, as it dies with the
// thread that started it (the test's main thread), the test process killed by ctest's timeout.
class RunGuard {
 public:
  RunGuard() = default;
  ~RunGuard() { Kill(); }
  RunGuard(const RunGuard&) = delete;
  RunGuard& operator=(const RunGuard&) = delete;

  // Starts `cutover <args>`, ending the one before if it still runs.
  void Start(const std::string& args, const std::string& env, const std::filesystem::path& out) {
    Kill();
    run_ = std::make_unique<runtest::CutoverProcess>(args, env, out, /*die_with_parent=*/true);
  }
  // SIGKILL to the run unless it ended already, then reaps it.
  void Kill() {
    if (!run_) return;
    int code = 0;
    if (!run_->WaitFor(1ms, &code)) {
      ::kill(run_->pid(), SIGKILL);
      run_->Wait();
    }
    run_.reset();
  }
  explicit operator bool() const { return run_ != nullptr; }
  runtest::CutoverProcess* operator->() const { return run_.get(); }
  runtest::CutoverProcess& operator*() const { return *run_; }

 private:
  std::unique_ptr<runtest::CutoverProcess> run_;
};

class Scenario {
 public:
  explicit Scenario(const ScenarioOptions& options)
      : options_(options),
        pair_(options.pair_from_seed ? DrawPair(options.seed) : options.pair),
        name_(fmt::format("fault_{}", getpid())),
        dir_(copytest::MakeTempDir("cutover_fault")) {
    result_.scenario = PairName(pair_);
    result_.seed = options.seed;
  }
  ~Scenario() { Cleanup(); }

  ScenarioResult Run() {
    Say("[fault] scenario {} seed {}{} (rerun: CUTOVER_FAULT_SEED={}{})", PairName(pair_),
        options_.seed, options_.restarts ? " with restarts" : "", options_.seed,
        options_.restarts ? " CUTOVER_FAULT_RESTARTS=1" : "");
    std::vector<Fault> schedule;
    if (options_.draw) schedule = DrawSchedule(options_.seed, options_.restarts);
    schedule.insert(schedule.end(), options_.forced.begin(), options_.forced.end());
    for (Fault& fault : schedule) {
      // dynalite keeps its tables in memory: restarting it loses the target's data, which is
      // no fault of cutover's. Its source is restarted instead.
      if (fault.kind == "restart" && pair_ == Pair::kMariaDbToDynamoDb) fault.link = "source";
    }
    std::stable_sort(schedule.begin(), schedule.end(), [](const Fault& a, const Fault& b) {
      return std::tie(a.phase, a.at_ms) < std::tie(b.phase, b.at_ms);  // "cdc" < "copy"
    });
    if (!SetUp()) return result_;
    load_->Start(options_.rate);
    start_ = Clock::now();
    StartRun();
    Inject(schedule, "copy", start_);
    if (!WaitForCdc()) return Finish();
    // Every fault's window closed (a stall, slow or refuse lasts a while), then 2 s more.
    SleepUntil(Inject(schedule, "cdc", Clock::now()) + 2s);
    load_->Stop();
    Say("[fault] t={:.2f}s load stopped (sysbench started again {} times)", Elapsed(),
        load_->restarts());
    WaitUntilEqual(150s);
    Verify();
    Compare(true);
    return Finish();
  }

 private:
  // Servers, proxies, the source tables filled by sysbench prepare, the spec.
  bool SetUp() {
    const std::string source_server = ServerName(pair_, "source");
    const std::string target_server = ServerName(pair_, "target");
    EXPECT_TRUE(testing::EnsureServer(source_server));
    EXPECT_TRUE(testing::EnsureServer(target_server));
    source_proxy_ = StartProxy(Server(source_server));
    target_proxy_ = StartProxy(Server(target_server));
    if (!source_proxy_ || !target_proxy_) return false;
    if (pair_ == Pair::kPostgresToPostgres) {
      pg_source_ = pgsource::ConnectPg(testing::PostgresSource());
      pg_target_ = pgsource::ConnectPg(testing::PostgresTarget());
      if (!pg_source_ || !pg_target_) return false;
      DropPostgres();
      pgsource::PgExec(*pg_source_, "CREATE SCHEMA " + name_);
    } else {
      maria_source_ = copytest::Connect(testing::MariaDbSource());
      if (!maria_source_) return false;
      copytest::Exec(*maria_source_, "DROP DATABASE IF EXISTS " + name_);
      copytest::Exec(*maria_source_, "CREATE DATABASE " + name_);
    }
    if (pair_ == Pair::kMariaDbToMariaDb) {
      maria_target_ = copytest::Connect(testing::MariaDbTarget());
      if (!maria_target_) return false;
      copytest::Exec(*maria_target_, "DROP DATABASE IF EXISTS " + name_ + "_t");
    }
    if (pair_ == Pair::kMariaDbToDynamoDb) {
      dynamo_ = testing::DynaliteClient();
      if (!dynamo_) return false;
      testing::DropTableAndWait(*dynamo_, name_);
    }
    load_ = MakeLoad();
    if (!load_->Run("prepare")) {
      ADD_FAILURE() << "sysbench prepare failed: " << verifytest::ReadAll(dir_ / "sysbench.out");
      return false;
    }
    WriteSpec();
    return true;
  }

  std::unique_ptr<FaultProxy> StartProxy(const testing::ServerInfo& server) {
    Result<std::unique_ptr<FaultProxy>> proxy = FaultProxy::Start(server.host, server.port);
    EXPECT_TRUE(proxy.ok()) << proxy.status().ToString();
    return proxy.ok() ? *std::move(proxy) : nullptr;
  }

  std::unique_ptr<SysbenchLoad> MakeLoad() {
    const std::filesystem::path out = dir_ / "sysbench.out";
    if (pair_ == Pair::kPostgresToPostgres) {
      const testing::ServerInfo pg = testing::PostgresSource();
      return std::make_unique<SysbenchLoad>(
          fmt::format("--db-driver=pgsql --pgsql-host={} --pgsql-port={} --pgsql-user={} "
                      "--pgsql-password={} --pgsql-db={}",
                      pg.host, pg.port, pg.user, pg.password, pg.database),
          "PGOPTIONS=-csearch_path=" + name_, out, options_.rows_per_table);
    }
    const testing::ServerInfo maria = testing::MariaDbSource();
    return std::make_unique<SysbenchLoad>(
        fmt::format("--db-driver=mysql --mysql-host={} --mysql-port={} --mysql-user={} "
                    "--mysql-password={} --mysql-db={} --mysql-ignore-errors=all",
                    maria.host, maria.port, maria.user, maria.password, name_),
        "", out, options_.rows_per_table);
  }

  // The spec: source and target through the proxies, a throttled copy (about 3 s) so the copy
  // phase's faults meet it.
  void WriteSpec() {
    const std::string extra = fmt::format(
        "parallelism: {{copy_workers: 2, chunk_rows: 250, apply_lanes: 4}}\n"
        "throttle: {{copy_rows_per_second: {}}}\n",
        kTables * options_.rows_per_table / 3);
    const std::string tables = "  - match: \"" + name_ + ".*\"\n";
    const std::string state = (dir_ / "state").string();
    if (pair_ == Pair::kPostgresToPostgres) {
      testing::ServerInfo source = testing::PostgresSource();
      testing::ServerInfo target = testing::PostgresTarget();
      target.port = target_proxy_->port();
      copytest::WriteFile(
          spec_, fmt::format("name: {}\nsource:\n  kind: postgres\n  host: {}\n  port: {}\n  "
                             "user: {}\n  password_env: COPY_TEST_PASSWORD\n  database: {}\n",
                             Migration(), source.host, source_proxy_->port(), source.user,
                             source.database) +
                     copytest::PostgresTargetYaml(target) + "tables:\n" + tables +
                     "state_dir: " + state + "\n" + extra);
      return;
    }
    testing::ServerInfo source = testing::MariaDbSource();
    source.port = source_proxy_->port();
    std::string target_yaml;
    std::string mapping_line;
    if (pair_ == Pair::kMariaDbToMariaDb) {
      testing::ServerInfo target = testing::MariaDbTarget();
      target.port = target_proxy_->port();
      target_yaml = copytest::MariaDbTargetYaml(target, name_ + "_t");
    } else {
      std::filesystem::path mapping = dir_ / "mapping.yaml";
      std::string sources;
      for (int table = 1; table <= kTables; ++table) {
        sources += fmt::format(
            "  {0}.sbtest{1}:\n    table: {0}\n    pk: \"T{1}#{{id}}\"\n"
            "    sk: \"ROW\"\n",
            name_, table);
      }
      copytest::WriteFile(mapping, "tables:\n  - {name: " + name_ +
                                       ", partition_key: pk, sort_key: sk}\nsources:\n" + sources);
      target_yaml = fmt::format(
          "target:\n  kind: dynamodb\n  dynamodb:\n    endpoint: http://127.0.0.1:{}\n"
          "    access_key_id_env: DYN_KEY\n    secret_access_key_env: DYN_SECRET\n",
          target_proxy_->port());
      mapping_line = "mapping: " + mapping.string() + "\n";
    }
    copytest::WriteFile(spec_, copytest::CopySpec(Migration(), source, target_yaml, tables, state,
                                                  mapping_line + extra));
  }

  std::string Migration() const { return "fault-" + std::to_string(getpid()); }
  std::string Env() const {
    return "DYN_KEY=" + testing::Dynalite().user + " DYN_SECRET=" + testing::Dynalite().password;
  }
  double Elapsed() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

  void StartRun() {
    run_.Start("run " + spec_.string() + " --status-every 1", Env(), dir_ / "run.out");
  }

  // Starts `cutover run` again when it ended by itself (as a supervisor would): counted.
  void KeepRunning() {
    int code = 0;
    if (!run_->WaitFor(1ms, &code)) return;  // one look (0 ms would not look at all)
    ++result_.run_exits;
    Say("[fault] t={:.2f}s cutover run exited with {}; started again", Elapsed(), code);
    // Before CDC a run that cannot reach a server ends (RunCopy, by design); once it follows the
    // source it reconnects with backoff for as long as it takes, so an end there is a bug (a TLS
    // connection cut mid-stream ended it as Internal until it was mapped to Unavailable).
    const std::string output = run_->Output();
    if (output.find("cdc: cdc") != std::string::npos) {
      ++result_.cdc_run_exits;
      ADD_FAILURE() << "cutover run ended (exit " << code
                    << ") after it had reached CDC; it must ride out the fault:\n"
                    << output.substr(output.size() > 3000 ? output.size() - 3000 : 0);
    }
    StartRun();
  }

  void SleepUntil(Clock::time_point when) {
    while (Clock::now() < when) {
      KeepRunning();
      std::this_thread::sleep_for(std::min<Clock::duration>(100ms, when - Clock::now()));
    }
  }

  // Injects the faults of `phase` at their times after `base`; returns when the last one's
  // window closes.
  Clock::time_point Inject(const std::vector<Fault>& schedule, const std::string& phase,
                           Clock::time_point base) {
    Clock::time_point quiet = Clock::now();
    for (const Fault& fault : schedule) {
      if (fault.phase != phase) continue;
      SleepUntil(base + std::chrono::milliseconds(fault.at_ms));
      if (fault.kind == "stall" || fault.kind == "slow" || fault.kind == "refuse") {
        quiet = std::max(quiet, Clock::now() + std::chrono::milliseconds(fault.duration_ms));
      }
      Say("[fault] t={:.2f}s seed {} {} phase: {}", Elapsed(), options_.seed, phase,
          fault.Describe());
      ++result_.faults[fault.kind];
      Apply(fault);
    }
    return quiet;
  }

  void Apply(const Fault& fault) {
    FaultProxy& proxy = fault.link == "source" ? *source_proxy_ : *target_proxy_;
    const std::chrono::milliseconds duration(fault.duration_ms);
    if (fault.kind == "drop") proxy.Drop();
    if (fault.kind == "stall") proxy.Stall(duration);
    if (fault.kind == "slow") {
      proxy.Slow(fault.bytes_per_second, std::chrono::milliseconds(fault.latency_ms), duration);
    }
    if (fault.kind == "reset") proxy.ResetMidPacket();
    if (fault.kind == "refuse") proxy.Refuse(duration);
    if (fault.kind == "half_open") proxy.HalfOpen();
    if (fault.kind == "restart") Restart(ServerName(pair_, fault.link), duration);
  }

  void Restart(const std::string& server, std::chrono::milliseconds down) {
    const std::string servers = testing::SourceDir() + "/scripts/servers";
    EXPECT_EQ(std::system((servers + " stop " + server + " > /dev/null").c_str()), 0);
    SleepUntil(Clock::now() + down);
    EXPECT_TRUE(testing::EnsureServer(server));
    Say("[fault] t={:.2f}s {} started again", Elapsed(), server);
    // The comparison's own sessions to a restarted server are gone.
    if (server == "mariadb-source") maria_source_ = copytest::Connect(testing::MariaDbSource());
    if (server == "mariadb-target") maria_target_ = copytest::Connect(testing::MariaDbTarget());
    if (server == "postgres-source") pg_source_ = pgsource::ConnectPg(testing::PostgresSource());
    if (server == "postgres-target") pg_target_ = pgsource::ConnectPg(testing::PostgresTarget());
  }

  bool WaitForCdc() {
    const auto deadline = Clock::now() + 120s;
    while (Clock::now() < deadline) {
      if (run_->Output().find("cdc: cdc") != std::string::npos) {
        Say("[fault] t={:.2f}s run reported CDC", Elapsed());
        return true;
      }
      SleepUntil(Clock::now() + 200ms);
    }
    ADD_FAILURE() << "the run never reached CDC\n" << run_->Output();
    return false;
  }

  // Every table of both sides as lines, in key order: "table\tid\tk\tc\tpad".
  std::vector<std::string> SourceLines() {
    std::vector<std::string> lines;
    for (int table = 1; table <= kTables; ++table) {
      std::string sql = fmt::format("SELECT '{0}', id, k, {1}, {2} FROM {3}.sbtest{0} ORDER BY id",
                                    table, Trim("c"), Trim("pad"), name_);
      std::vector<std::string> rows = pair_ == Pair::kPostgresToPostgres
                                          ? pgsource::PgLines(*pg_source_, sql)
                                          : copytest::Lines(*maria_source_, sql);
      lines.insert(lines.end(), rows.begin(), rows.end());
    }
    return lines;
  }
  std::string Trim(const std::string& column) const {
    return pair_ == Pair::kPostgresToPostgres ? "rtrim(" + column + ")" : column;
  }
  std::vector<std::string> TargetLines() {
    if (pair_ == Pair::kMariaDbToDynamoDb) return ItemLines();
    std::vector<std::string> lines;
    for (int table = 1; table <= kTables; ++table) {
      std::vector<std::string> rows;
      if (pair_ == Pair::kPostgresToPostgres) {
        rows = pgsource::PgLines(*pg_target_,
                                 fmt::format("SELECT '{0}', id, k, rtrim(c), rtrim(pad) FROM "
                                             "{1}.sbtest{0} ORDER BY id",
                                             table, name_));
      } else {
        rows = copytest::Lines(*maria_target_,
                               fmt::format("SELECT '{0}', id, k, c, pad FROM {1}_t.sbtest{0} "
                                           "ORDER BY id",
                                           table, name_));
      }
      lines.insert(lines.end(), rows.begin(), rows.end());
    }
    return lines;
  }
  // The DynamoDB items as the same lines (pk "T<table>#<id>"), in the same order.
  std::vector<std::string> ItemLines() {
    Result<std::vector<nlohmann::json>> items = dynamodb::ParallelScan(*dynamo_, name_, 2);
    if (!items.ok()) return {};
    std::vector<std::pair<std::pair<int, int64_t>, std::string>> keyed;
    for (const nlohmann::json& item : *items) {
      std::string pk = item["pk"]["S"].get<std::string>();
      int table = std::stoi(pk.substr(1, pk.find('#') - 1));
      int64_t id = std::stoll(item["id"]["N"].get<std::string>());
      keyed.push_back(
          {{table, id},
           fmt::format("{}\t{}\t{}\t{}\t{}", table, id, item["k"]["N"].get<std::string>(),
                       item["c"]["S"].get<std::string>(), item["pad"]["S"].get<std::string>())});
    }
    std::sort(keyed.begin(), keyed.end());
    std::vector<std::string> lines;
    for (auto& [key, line] : keyed) lines.push_back(std::move(line));
    return lines;
  }

  void WaitUntilEqual(std::chrono::seconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline && !Compare(false)) SleepUntil(Clock::now() + 500ms);
    Say("[fault] t={:.2f}s target {} the source", Elapsed(),
        Compare(false) ? "caught up with" : "did NOT catch up with");
  }

  // Compares every row; with `final`, records the counts and expects no row lost or different.
  bool Compare(bool final) {
    std::vector<std::string> source = SourceLines();
    std::vector<std::string> target = TargetLines();
    if (!final) return source == target;
    std::set<std::string> source_set(source.begin(), source.end());
    std::set<std::string> target_set(target.begin(), target.end());
    std::set<std::string> target_keys;
    for (const std::string& line : target) target_keys.insert(Key(line));
    for (const std::string& line : source) {
      if (!target_keys.contains(Key(line))) {
        ++result_.rows_lost;
      } else if (!target_set.contains(line)) {
        ++result_.rows_different;
      }
    }
    std::set<std::string> source_keys;
    for (const std::string& line : source) source_keys.insert(Key(line));
    for (const std::string& line : target) {
      if (!source_keys.contains(Key(line))) ++result_.rows_different;  // only the target has it
    }
    result_.rows_compared = static_cast<int64_t>(source.size());
    EXPECT_GT(source.size(), static_cast<size_t>(options_.rows_per_table));
    EXPECT_EQ(result_.rows_lost, 0) << runtest::RowsDiff(source, target);
    EXPECT_EQ(result_.rows_different, 0) << runtest::RowsDiff(source, target);
    return source == target;
  }
  static std::string Key(const std::string& line) {
    size_t second_tab = line.find('\t', line.find('\t') + 1);
    return line.substr(0, second_tab);
  }

  void Verify() {
    verifytest::VerifyRun verify = verifytest::Verify(dir_, spec_.string(), Env());
    result_.verify_exit = verify.exit_code;
    Say("[fault] t={:.2f}s cutover verify exited with {}", Elapsed(), verify.exit_code);
    EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  }

  ScenarioResult Finish() {
    if (run_) {
      KeepRunning();
      runtest::StopRun(*run_);
      const std::string& expected = options_.expect_in_run_output;
      EXPECT_TRUE(expected.empty() || run_->Output().find(expected) != std::string::npos)
          << "cutover run's output does not say \"" << expected << "\"";
    }
    if (::testing::Test::HasFailure() || std::getenv("CUTOVER_FAULT_SHOW_RUN") != nullptr) {
      Say("[fault] run output:\n{}", run_ ? run_->Output() : "");
    }
    Say("{}", result_.SummaryLine());
    return result_;
  }

  void DropPostgres() {
    const std::string slot = "cutover_fault_" + std::to_string(getpid());
    (void)pg_source_->Execute(
        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name "
        "= $1 AND NOT active",
        {slot});
    (void)pg_source_->Execute("DROP PUBLICATION IF EXISTS \"" + slot + "\"");
    (void)pg_source_->Execute("DROP SCHEMA IF EXISTS " + name_ + " CASCADE");
    (void)pg_target_->Execute("DROP SCHEMA IF EXISTS " + name_ + " CASCADE");
    (void)pg_target_->Execute("DELETE FROM cutover.cutover_checkpoints WHERE migration = '" +
                              Migration() + "'");
  }

  void Cleanup() {
    if (load_) load_->Stop();
    run_.Kill();
    if (::testing::Test::HasFailure() && std::getenv("CUTOVER_TEST_KEEP") != nullptr) return;
    source_proxy_.reset();
    target_proxy_.reset();
    if (pg_source_ && pg_target_) DropPostgres();
    if (maria_source_) (void)maria_source_->Execute("DROP DATABASE IF EXISTS " + name_);
    if (maria_target_) (void)maria_target_->Execute("DROP DATABASE IF EXISTS " + name_ + "_t");
    if (dynamo_) testing::DropTableAndWait(*dynamo_, name_);
    std::filesystem::remove_all(dir_);
  }

  const ScenarioOptions options_;
  const Pair pair_;
  const std::string name_;  // the database, schema or DynamoDB table
  const std::filesystem::path dir_;
  const std::filesystem::path spec_ = dir_ / "spec.yaml";
  ScenarioResult result_;
  Clock::time_point start_ = Clock::now();
  std::unique_ptr<FaultProxy> source_proxy_;
  std::unique_ptr<FaultProxy> target_proxy_;
  std::unique_ptr<mysql::Connection> maria_source_;
  std::unique_ptr<mysql::Connection> maria_target_;
  std::unique_ptr<postgres::Connection> pg_source_;
  std::unique_ptr<postgres::Connection> pg_target_;
  std::unique_ptr<dynamodb::Client> dynamo_;
  std::unique_ptr<SysbenchLoad> load_;
  RunGuard run_;
};

Fault DrawFault(std::mt19937& random, const std::string& phase, bool restarts) {
  static const char* kKinds[] = {"drop",   "stall",     "slow",   "reset",
                                 "refuse", "half_open", "restart"};
  Fault fault;
  fault.phase = phase;
  fault.at_ms = phase == "copy" ? 200 + random() % 2500 : random() % 10000;
  const unsigned kinds = phase == "copy" ? 5 : (restarts ? 7 : 6);
  fault.kind = kKinds[random() % kinds];
  fault.link = random() % 2 ? "source" : "target";
  fault.duration_ms = 300 + random() % 3000;
  if (fault.kind == "slow") {
    fault.bytes_per_second = 2000 + random() % 50000;
    fault.latency_ms = random() % 200;
  }
  if (fault.kind == "restart") fault.duration_ms = 1000 + random() % 4000;
  return fault;
}

}  // namespace

const char* PairName(Pair pair) {
  switch (pair) {
    case Pair::kMariaDbToMariaDb: return "mariadb-mariadb";
    case Pair::kMariaDbToDynamoDb: return "mariadb-dynamodb";
    case Pair::kPostgresToPostgres: return "postgres-postgres";
  }
  return "?";
}

std::string Fault::Describe() const {
  std::string text = kind + " " + link;
  if (kind == "stall" || kind == "refuse" || kind == "restart") {
    text += fmt::format(" for {} ms", duration_ms);
  }
  if (kind == "slow") {
    text += fmt::format(" to {} B/s, +{} ms a chunk, for {} ms", bytes_per_second, latency_ms,
                        duration_ms);
  }
  return text;
}

Pair DrawPair(uint64_t seed) {
  std::mt19937 random(static_cast<uint32_t>(seed ^ (seed >> 32)) + 1);
  return static_cast<Pair>(random() % 3);
}

// 0 to 2 faults during the copy, 2 to 5 during CDC.
std::vector<Fault> DrawSchedule(uint64_t seed, bool restarts) {
  std::mt19937 random(static_cast<uint32_t>(seed ^ (seed >> 32)));
  std::vector<Fault> schedule;
  const unsigned copy_faults = random() % 3;
  const unsigned cdc_faults = 2 + random() % 4;
  for (unsigned index = 0; index < copy_faults; ++index) {
    schedule.push_back(DrawFault(random, "copy", restarts));
  }
  for (unsigned index = 0; index < cdc_faults; ++index) {
    schedule.push_back(DrawFault(random, "cdc", restarts));
  }
  return schedule;
}

std::string ScenarioResult::SummaryLine() const {
  std::string kinds;
  for (const auto& [kind, count] : faults)
    kinds += fmt::format("{}{}={}", kinds.empty() ? "" : ",", kind, count);
  return fmt::format(
      "FAULT-SUMMARY scenario={} seed={} faults={} rows_compared={} rows_lost={} "
      "rows_different={} run_exits={} cdc_run_exits={} verify_exit={} result={}",
      scenario, seed, kinds.empty() ? "none" : kinds, rows_compared, rows_lost, rows_different,
      run_exits, cdc_run_exits, verify_exit, ::testing::Test::HasFailure() ? "FAIL" : "pass");
}

ScenarioResult RunScenario(const ScenarioOptions& options) {
  Scenario scenario(options);
  return scenario.Run();
}

}  // namespace cutover::fault
