// Tests for the monitoring files of deploy/ (docs/monitoring.md): the Prometheus alert rules pass
// `promtool check rules` and their unit tests (`promtool test rules`), and every expression of
// the rules and of the Grafana dashboard names only metrics that GET /metrics exports.
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <yaml-cpp/yaml.h>

#include "control/metrics.h"
#include "state/test_support.h"
#include "tests/support/paths.h"

namespace cutover::control {
namespace {

std::filesystem::path Deploy() { return std::filesystem::path(testing::CheckoutDir()) / "deploy"; }

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Every family RenderMetrics writes, with the optional ones present: a PostgreSQL source's
// retention (with a limit) and a stopped table.
std::set<std::string> ExportedFamilies() {
  state::TempDir tmp;
  Spec spec = ParseSpec(
                  "name: shop\n"
                  "source: {kind: mariadb, user: cutover}\n"
                  "target: {kind: mariadb, port: 3307, user: cutover}\n"
                  "tables: [{match: shop.*}]\n"
                  "control: {groups: {orders: [\"shop.orders\"]}}\n",
                  tmp.path() / "shop.yaml")
                  .value();
  spec.state_dir = tmp.state_dir();
  std::unique_ptr<StateStore> state = OpenControlState(spec).value();
  nlohmann::json status = {{"updated_at_ms", 1},
                           {"source_retention",
                            {{"what", "the replication slot cutover_shop"},
                             {"retained_bytes", 1},
                             {"state", "reserved"},
                             {"warning", false},
                             {"headroom_bytes", 1}}}};
  EXPECT_TRUE(state->SetMeta("run.status", status.dump()).ok());
  std::string text = RenderMetrics(spec, *state, 2).value();
  std::set<std::string> families;
  std::regex type_line(R"(^# TYPE (\w+) )", std::regex::multiline);
  for (auto match = std::sregex_iterator(text.begin(), text.end(), type_line);
       match != std::sregex_iterator(); ++match) {
    families.insert((*match)[1]);
  }
  return families;
}

// The cutover_* names an expression reads.
std::vector<std::string> MetricNames(const std::string& expr) {
  std::vector<std::string> names;
  std::regex name(R"(\bcutover_\w+)");
  for (auto match = std::sregex_iterator(expr.begin(), expr.end(), name);
       match != std::sregex_iterator(); ++match) {
    names.push_back(match->str());
  }
  return names;
}

// Runs `command`, returning its exit code and (in *output) what it printed.
int RunCommand(const std::string& command, std::string* output) {
  state::TempDir tmp;
  std::filesystem::path out = tmp.path() / "out.txt";
  int status = std::system((command + " > " + out.string() + " 2>&1").c_str());
  *output = ReadFile(out);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// `promtool <command> <deploy/prometheus/file>` passes (exit 0, "SUCCESS").
void ExpectPromtoolPasses(const std::string& command, const std::string& file) {
  std::string output;
  if (RunCommand("promtool --version", &output) != 0) {
    ADD_FAILURE() << "promtool is not installed: it comes with Debian's prometheus package "
                     "(scripts/setup installs it)\n"
                  << output;
    return;
  }
  std::string line = "promtool " + command + " " + (Deploy() / "prometheus" / file).string();
  EXPECT_EQ(RunCommand(line, &output), 0) << line << "\n" << output;
  EXPECT_NE(output.find("SUCCESS"), std::string::npos) << line << "\n" << output;
}

TEST(MonitoringTest, TheAlertRulesPassPromtoolsCheck) {
  ExpectPromtoolPasses("check rules", "cutover.rules.yml");
}

TEST(MonitoringTest, EachAlertFiresWhenItShouldAndNotOtherwise) {
  // promtool resolves the test file's rule_files against its folder.
  ExpectPromtoolPasses("test rules", "cutover.rules.test.yml");
}

TEST(MonitoringTest, EveryAlertReadsExportedMetricsAndHasATest) {
  std::set<std::string> exported = ExportedFamilies();
  YAML::Node rules = YAML::LoadFile((Deploy() / "prometheus/cutover.rules.yml").string());
  std::string tests = ReadFile(Deploy() / "prometheus/cutover.rules.test.yml");
  int count = 0;
  for (const YAML::Node& group : rules["groups"]) {
    for (const YAML::Node& rule : group["rules"]) {
      std::string alert = rule["alert"].as<std::string>();
      std::string expr = rule["expr"].as<std::string>();
      std::vector<std::string> names = MetricNames(expr);
      EXPECT_FALSE(names.empty()) << alert << " reads no cutover metric: " << expr;
      for (const std::string& name : names) {
        EXPECT_TRUE(exported.count(name))
            << alert << " reads " << name << ", which GET /metrics does not export";
      }
      EXPECT_NE(tests.find("alertname: " + alert + "\n"), std::string::npos)
          << alert << " has no test in cutover.rules.test.yml";
      ++count;
    }
  }
  EXPECT_GE(count, 10);
}

// The dashboard's panels, rows' nested panels included.
void CollectPanels(const nlohmann::json& panels, std::vector<nlohmann::json>* out) {
  for (const nlohmann::json& panel : panels) {
    if (panel.value("type", "") == "row") {
      CollectPanels(panel.value("panels", nlohmann::json::array()), out);
      continue;
    }
    out->push_back(panel);
  }
}

TEST(MonitoringTest, EveryDashboardPanelReadsExportedMetrics) {
  std::set<std::string> exported = ExportedFamilies();
  nlohmann::json dashboard = nlohmann::json::parse(ReadFile(Deploy() / "grafana/cutover.json"),
                                                   nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(dashboard.is_object()) << "deploy/grafana/cutover.json is not JSON";
  EXPECT_EQ(dashboard.value("title", ""), "cutover");
  std::vector<nlohmann::json> panels;
  CollectPanels(dashboard.value("panels", nlohmann::json::array()), &panels);
  ASSERT_GE(panels.size(), 10u);
  std::set<int> ids;
  for (const nlohmann::json& panel : panels) {
    std::string title = panel.value("title", "");
    EXPECT_TRUE(ids.insert(panel.value("id", 0)).second) << title << ": its id is not unique";
    nlohmann::json datasource = panel.value("datasource", nlohmann::json::object());
    EXPECT_EQ(datasource.value("uid", ""), "${datasource}") << title;
    nlohmann::json targets = panel.value("targets", nlohmann::json::array());
    ASSERT_FALSE(targets.empty()) << title << " has no query";
    for (const nlohmann::json& target : targets) {
      std::string expr = target.value("expr", "");
      std::vector<std::string> names = MetricNames(expr);
      EXPECT_FALSE(names.empty()) << title << " reads no cutover metric: " << expr;
      for (const std::string& name : names) {
        EXPECT_TRUE(exported.count(name))
            << title << " reads " << name << ", which GET /metrics does not export";
      }
    }
  }
}

}  // namespace
}  // namespace cutover::control
