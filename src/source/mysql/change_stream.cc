#include "source/mysql/change_stream.h"

#include <utility>

namespace cutover::mysql {
namespace {

// binlog::EventSink -> ChangeEventSink.
class Adapter : public binlog::EventSink {
 public:
  explicit Adapter(ChangeEventSink* sink) : sink_(sink) {}
  Status OnBegin(const binlog::TransactionBegin&) override { return sink_->OnBegin(); }
  Status OnChange(const Change& change) override { return sink_->OnChange(change); }
  Status OnCommit(const binlog::TransactionCommit& commit) override {
    return sink_->OnCommit(commit.position);
  }
  Status OnHeartbeat(const binlog::HeartbeatEvent&) override { return sink_->OnIdle(); }

 private:
  ChangeEventSink* sink_;
};

class BinlogChangeStreamImpl : public ChangeStream {
 public:
  explicit BinlogChangeStreamImpl(BinlogStreamOptions options) : stream_(std::move(options)) {}
  Status Run(ChangeEventSink* sink) override {
    Adapter adapter(sink);
    return stream_.Run(&adapter);
  }

 private:
  BinlogStream stream_;
};

}  // namespace

std::unique_ptr<ChangeStream> BinlogChangeStream(BinlogStreamOptions options) {
  return std::make_unique<BinlogChangeStreamImpl>(std::move(options));
}

std::unique_ptr<ChangeStream> OpenBinlogChangeStream(const SourceSpec& source,
                                                     ChangeStreamOptions options) {
  BinlogStreamOptions stream;
  stream.connection = source.connection;
  stream.server_id = source.server_id;
  stream.start = std::move(options.start);
  stream.table_filter = std::move(options.table_filter);
  stream.heartbeat_period = options.heartbeat_period;
  stream.stop = options.stop;
  return BinlogChangeStream(std::move(stream));
}

}  // namespace cutover::mysql
