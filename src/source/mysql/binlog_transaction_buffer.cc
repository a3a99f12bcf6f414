// TransactionBuffer: buffers a binlog transaction until its commit, then replays it downstream.
#include "source/mysql/binlog_transaction_buffer.h"

namespace cutover::mysql {

TransactionBuffer::TransactionBuffer(binlog::EventSink* downstream, DeliveredState* state)
    : downstream_(downstream), state_(state) {}

Status TransactionBuffer::Forward(Status status) {
  if (!status.ok()) downstream_failed_ = true;
  return status;
}

Status TransactionBuffer::Deliver(const Change& change) {
  CUTOVER_RETURN_IF_ERROR(downstream_->OnChange(change));
  // The shapes rows follow (a statement's table change carries the last one, or none).
  const bool shape = change.op != ChangeOp::kDdl && change.op != ChangeOp::kTruncate;
  if (shape && change.schema && change.schema.get() != last_shape_) {
    state_->shapes[change.table] = change.schema;
    last_shape_ = change.schema.get();
  }
  return Status::Ok();
}

Status TransactionBuffer::OnBegin(const binlog::TransactionBegin& begin) {
  Clear();
  begin_ = begin;
  return Status::Ok();
}

Status TransactionBuffer::OnChange(const Change& change) {
  if (!open()) return Forward(Deliver(change));  // outside any transaction
  if (change_count_ < changes_.size()) {
    changes_[change_count_] = change;  // reuses the row buffers of an earlier transaction
  } else {
    changes_.push_back(change);
  }
  order_.push_back(Item{false, change_count_});
  ++change_count_;
  return Status::Ok();
}

Status TransactionBuffer::OnStatement(const binlog::Statement& statement) {
  OwnedStatement owned{std::string(statement.schema), std::string(statement.query),
                       statement.position, statement.timestamp};
  if (!open()) {
    binlog::Statement view{owned.schema, owned.query, owned.position, owned.timestamp};
    return Forward(downstream_->OnStatement(view));
  }
  statements_.push_back(std::move(owned));
  order_.push_back(Item{true, statements_.size() - 1});
  return Status::Ok();
}

Status TransactionBuffer::OnCommit(const binlog::TransactionCommit& commit) {
  Status status = Replay(commit);
  Clear();
  if (!status.ok()) return Forward(status);
  state_->committed = commit.position;
  ++delivered_;
  return Status::Ok();
}

Status TransactionBuffer::Replay(const binlog::TransactionCommit& commit) {
  if (begin_) CUTOVER_RETURN_IF_ERROR(downstream_->OnBegin(*begin_));
  for (const Item& item : order_) {
    if (!item.is_statement) {
      CUTOVER_RETURN_IF_ERROR(Deliver(changes_[item.index]));
      continue;
    }
    const OwnedStatement& owned = statements_[item.index];
    binlog::Statement view{owned.schema, owned.query, owned.position, owned.timestamp};
    CUTOVER_RETURN_IF_ERROR(downstream_->OnStatement(view));
  }
  return downstream_->OnCommit(commit);
}

Status TransactionBuffer::OnRotate(const BinlogFilePosition& next) {
  return Forward(downstream_->OnRotate(next));
}

Status TransactionBuffer::OnHeartbeat(const binlog::HeartbeatEvent& heartbeat) {
  return Forward(downstream_->OnHeartbeat(heartbeat));
}

Status TransactionBuffer::Decode(binlog::BinlogDecoder* decoder, std::string_view event) {
  CUTOVER_RETURN_IF_ERROR(decoder->Decode(event, this));
  if (!decoder->in_transaction()) state_->committed = decoder->committed_position();
  return Status::Ok();
}

void TransactionBuffer::Discard() { Clear(); }

void TransactionBuffer::Clear() {
  begin_.reset();
  change_count_ = 0;
  if (changes_.size() > kKeepChanges) changes_.resize(kKeepChanges);
  statements_.clear();
  order_.clear();
}

}  // namespace cutover::mysql
