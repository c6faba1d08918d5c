// Hash joins (inner, left, semi, anti) on equal keys; the right input is the
// build side. The build side is collected under the memory budget; if it
// does not fit, both sides are partitioned by key hash into spill files and
// joined partition by partition (a grace hash join). NULL keys never match.
#include <algorithm>
#include <mutex>

#include "bullion/core/error.h"
#include "bullion/exec/group_table.h"
#include "bullion/exec/plan.h"
#include "bullion/exec/row_key.h"
#include "bullion/exec/spill.h"
#include "operators.h"

namespace bullion::exec {

namespace {

constexpr uint32_t kNoRow = UINT32_MAX;

// The build side in memory: all rows, a hash table on the keys, and per-row
// chains of rows with the same key.
struct HashedBuild {
  Batch rows;  // plus one trailing all-NULL row (for left joins' unmatched rows)
  size_t num_rows = 0;
  GroupTable table;            // in the form of make_encoder()'s encoders
  std::vector<uint32_t> head;  // per group: first row
  std::vector<uint32_t> next;  // per row: next row with the same key

  // An encoder for keys of the build's table (builds and probes).
  static KeyEncoder make_encoder(const std::vector<DataType>& key_types) { return KeyEncoder(key_types, true); }

  void build(const std::vector<Batch>& batches, const SchemaPtr& schema, const std::vector<size_t>& keys,
             const std::vector<DataType>& key_types) {
    rows = batches.empty() ? Batch::empty(schema) : Batch::concat(batches);
    num_rows = rows.num_rows();
    for (const auto& c : rows.columns()) c->append_null();
    rows = Batch(schema, rows.columns(), num_rows + 1);
    next.assign(num_rows, kNoRow);
    KeyEncoder enc = make_encoder(key_types);
    table = GroupTable(enc.word_form());
    std::vector<const Column*> cols;
    for (size_t k : keys) cols.push_back(rows.column(k).get());
    enc.encode(cols, num_rows);
    // Insert in reverse so each chain lists rows in input order.
    for (size_t r = num_rows; r-- > 0;) {
      if (enc.has_null(r)) continue;
      const uint32_t g = table.find_or_insert(enc, r);
      if (g == head.size()) head.push_back(kNoRow);
      next[r] = head[g];
      head[g] = static_cast<uint32_t>(r);
    }
    table.index_dense_range();
  }
  size_t memory_bytes() const { return rows.memory_bytes() + table.memory_bytes() + (head.size() + next.size()) * 4; }
};

// A worker's buffers for probing, reused across batches.
struct ProbeBuffers {
  explicit ProbeBuffers(const std::vector<DataType>& key_types) : enc(HashedBuild::make_encoder(key_types)) {}
  KeyEncoder enc;
  std::vector<uint32_t> groups;  // inner/left: the build group of each row
  std::vector<uint8_t> found;    // semi/anti: whether each row's key is in the build
};

class JoinNode final : public PlanNode {
 public:
  JoinNode(PlanPtr left, PlanPtr right, const std::vector<std::string>& left_keys,
           const std::vector<std::string>& right_keys, JoinType type)
      : left_(std::move(left)), right_(std::move(right)), type_(type) {
    if (left_keys.size() != right_keys.size() || left_keys.empty())
      throw Error::invalid_input("a join needs the same number (at least one) of left and right key columns");
    left_keys_ = resolve_columns(*left_->schema(), left_keys, "left join key");
    right_keys_ = resolve_columns(*right_->schema(), right_keys, "right join key");
    for (size_t i = 0; i < left_keys_.size(); ++i) {
      const DataType& lt = left_->schema()->field(left_keys_[i]).type;
      const DataType& rt = right_->schema()->field(right_keys_[i]).type;
      if (!(lt == rt))
        throw Error::invalid_input("join key '" + left_keys[i] + "' is " + lt.to_string() + " but '" + right_keys[i] +
                                       "' is " + rt.to_string(),
                                   "cast one side so both keys have the same type");
      key_types_.push_back(lt);
    }
    if (type_ == JoinType::kSemi || type_ == JoinType::kAnti) {
      schema_ = left_->schema();
    } else {
      std::vector<Field> fields = left_->schema()->fields();
      for (Field f : right_->schema()->fields()) {
        for (const Field& l : left_->schema()->fields())
          if (l.name == f.name)
            throw Error::invalid_input("join output would have two columns named '" + f.name + "'",
                                       "rename or drop the column on one side first");
        if (type_ == JoinType::kLeft) f.nullable = true;
        fields.push_back(std::move(f));
      }
      schema_ = std::make_shared<Schema>(std::move(fields));
    }
  }
  const SchemaPtr& schema() const override { return schema_; }
  std::string describe() const override {
    static constexpr const char* kNames[] = {"Inner", "Left", "Semi", "Anti"};
    return std::string(kNames[static_cast<int>(type_)]) + "Join(" + left_->describe() + ", " + right_->describe() + ")";
  }
  std::unique_ptr<Stream> open(ExecContext& ctx) const override;

  // Joins one batch of left rows against a build; appends output batches.
  void probe(const HashedBuild& build, ProbeBuffers& buffers, const Batch& left, const Emit& emit) const {
    const size_t n = left.num_rows();
    std::vector<const Column*> cols;
    for (size_t k : left_keys_) cols.push_back(left.column(k).get());
    KeyEncoder& enc = buffers.enc;
    enc.encode(cols, n);
    std::vector<uint32_t> li, ri;
    if (type_ == JoinType::kSemi || type_ == JoinType::kAnti) {
      buffers.found.resize(n);
      build.table.contains(enc, buffers.found.data());
      // The build has no NULL keys, so a row with a NULL key is never found.
      const uint8_t keep = type_ == JoinType::kSemi ? 1 : 0;
      li.resize(n);
      size_t m = 0;
      for (size_t r = 0; r < n; ++r) {  // branch-free: matches are unpredictable
        li[m] = static_cast<uint32_t>(r);
        m += buffers.found[r] == keep;
      }
      li.resize(m);
    } else {
      std::vector<uint32_t>& groups = buffers.groups;
      groups.resize(n);
      build.table.find(enc, groups.data());
      for (size_t r = 0; r < n; ++r) {
        const uint32_t g = groups[r];
        const uint32_t match = g == GroupTable::kNotFound || enc.has_null(r) ? kNoRow : build.head[g];
        if (match == kNoRow && type_ == JoinType::kLeft) {
          li.push_back(static_cast<uint32_t>(r));
          ri.push_back(static_cast<uint32_t>(build.num_rows));  // the all-NULL row
        }
        for (uint32_t m = match; m != kNoRow; m = build.next[m]) {
          li.push_back(static_cast<uint32_t>(r));
          ri.push_back(m);
        }
      }
    }
    if (li.empty()) return;
    if (type_ == JoinType::kSemi || type_ == JoinType::kAnti) {
      emit(li.size() == n ? Batch(schema_, left.columns(), n)
                          : Batch(schema_, left.take(li.data(), li.size()).columns(), li.size()));
      return;
    }
    Batch l = left.take(li.data(), li.size());
    Batch r = build.rows.take(ri.data(), ri.size());
    std::vector<ColumnPtr> columns = l.columns();
    for (const auto& c : r.columns()) columns.push_back(c);
    emit(Batch(schema_, std::move(columns), li.size()));
  }

  PlanPtr left_, right_;
  std::vector<size_t> left_keys_, right_keys_;
  std::vector<DataType> key_types_;
  JoinType type_;
  SchemaPtr schema_;
};

// Probing an in-memory build: streams the left side's morsels.
class ProbeStream final : public Stream {
 public:
  ProbeStream(const JoinNode& node, std::shared_ptr<HashedBuild> build, std::unique_ptr<Stream> left, size_t workers)
      : node_(node), build_(std::move(build)), left_(std::move(left)) {
    for (size_t w = 0; w < workers; ++w) buffers_.emplace_back(node.key_types_);
  }
  const SchemaPtr& schema() const override { return node_.schema(); }
  size_t num_morsels() const override { return left_->num_morsels(); }
  void produce(size_t morsel, size_t worker, const Emit& emit) override {
    left_->produce(morsel, worker, [&](Batch&& b) { node_.probe(*build_, buffers_[worker], b, emit); });
  }

 private:
  const JoinNode& node_;
  std::shared_ptr<HashedBuild> build_;
  std::unique_ptr<Stream> left_;
  std::vector<ProbeBuffers> buffers_;  // per worker
};

// Writes batches to per-partition spill files by key hash (thread-safe per worker set).
struct Partitioner {
  Partitioner(SchemaPtr schema, std::vector<size_t> keys, std::vector<DataType> key_types, size_t workers)
      : schema(std::move(schema)), keys(std::move(keys)) {
    for (size_t w = 0; w < workers; ++w) {
      encoders.emplace_back(key_types, true);
      files.emplace_back(kPartitions);
    }
  }
  void add(size_t worker, const Batch& b) {
    std::vector<const Column*> cols;
    for (size_t k : keys) cols.push_back(b.column(k).get());
    encoders[worker].encode(cols, b.num_rows());
    std::vector<std::vector<uint32_t>> parts(kPartitions);
    for (size_t r = 0; r < b.num_rows(); ++r)
      parts[partition_of(encoders[worker].hash(r))].push_back(static_cast<uint32_t>(r));
    for (size_t p = 0; p < kPartitions; ++p) {
      if (parts[p].empty()) continue;
      auto& f = files[worker][p];
      if (!f) f = std::make_unique<SpillFile>(schema);
      f->append(b.take(parts[p].data(), parts[p].size()));
    }
  }
  void finish() {
    for (auto& w : files)
      for (auto& f : w)
        if (f) f->finish_writing();
  }
  std::vector<Batch> read(size_t part) const {
    std::vector<Batch> out;
    for (const auto& w : files) {
      if (!w[part]) continue;
      auto reader = w[part]->reader();
      Batch b;
      while (reader.next(b)) out.push_back(b);
    }
    return out;
  }
  SchemaPtr schema;
  std::vector<size_t> keys;
  std::vector<KeyEncoder> encoders;
  std::vector<std::vector<std::unique_ptr<SpillFile>>> files;  // [worker][partition]
};

// The partitions of a grace hash join, one morsel each: a worker builds the
// right side's partition in memory and probes the left side's partition
// through it, so only the partitions in flight are held, never the result.
class GraceJoinStream final : public Stream {
 public:
  GraceJoinStream(const JoinNode& node, std::unique_ptr<Partitioner> right, std::unique_ptr<Partitioner> left)
      : node_(node), right_(std::move(right)), left_(std::move(left)) {}
  const SchemaPtr& schema() const override { return node_.schema(); }
  size_t num_morsels() const override { return kPartitions; }
  void produce(size_t morsel, size_t, const Emit& emit) override {
    HashedBuild build;
    build.build(right_->read(morsel), node_.right_->schema(), node_.right_keys_, node_.key_types_);
    ProbeBuffers buffers(node_.key_types_);
    for (const Batch& b : left_->read(morsel)) node_.probe(build, buffers, b, emit);
  }

 private:
  const JoinNode& node_;
  std::unique_ptr<Partitioner> right_;
  std::unique_ptr<Partitioner> left_;
};

std::unique_ptr<Stream> JoinNode::open(ExecContext& ctx) const {
  const size_t workers = ctx.num_workers();
  // Build side: collect under the budget; switch to partitioning when refused.
  std::mutex mutex;
  std::vector<std::vector<Batch>> collected(workers);
  MemoryReservation reservation(*ctx.budget);
  uint64_t bytes = 0;
  bool partitioned = false;
  std::unique_ptr<Partitioner> right_parts;
  auto right = right_->open(ctx);
  for_each_batch(*right, ctx, [&](size_t, size_t worker, Batch&& b) {
    {
      std::lock_guard lock(mutex);
      if (!partitioned) {
        bytes += b.memory_bytes();
        // The hash table roughly doubles the build side's footprint.
        if (reservation.try_resize(bytes * 2)) {
          collected[worker].push_back(std::move(b));
          return;
        }
        partitioned = true;
        right_parts = std::make_unique<Partitioner>(right_->schema(), right_keys_, key_types_, workers);
        // Move what was collected so far into partitions (under the lock).
        for (size_t w = 0; w < workers; ++w)
          for (const Batch& c : collected[w]) right_parts->add(worker, c);
        collected.assign(workers, {});
        reservation.release_all();
      }
    }
    right_parts->add(worker, b);
  });
  if (!partitioned) {
    std::vector<Batch> all;
    for (auto& w : collected)
      for (auto& b : w) all.push_back(std::move(b));
    auto build = std::make_shared<HashedBuild>();
    build->build(all, right_->schema(), right_keys_, key_types_);
    return std::make_unique<ProbeStream>(*this, std::move(build), left_->open(ctx), workers);
  }
  // Grace hash join: partition the left side too, then join partition by
  // partition as the output is consumed.
  right_parts->finish();
  auto left_parts = std::make_unique<Partitioner>(left_->schema(), left_keys_, key_types_, workers);
  auto left = left_->open(ctx);
  for_each_batch(*left, ctx, [&](size_t, size_t worker, Batch&& b) { left_parts->add(worker, b); });
  left_parts->finish();
  return std::make_unique<GraceJoinStream>(*this, std::move(right_parts), std::move(left_parts));
}

}  // namespace

Plan Plan::join(const Plan& right, const std::vector<std::string>& left_keys,
                const std::vector<std::string>& right_keys, JoinType type) const {
  return Plan(std::make_shared<JoinNode>(node_, right.node(), left_keys, right_keys, type));
}

}  // namespace bullion::exec
