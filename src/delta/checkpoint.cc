// Classic Parquet checkpoints: reading (single, multi-part, v2 sidecars) and
// writing (single file + _last_checkpoint).
#include "bullion/delta/checkpoint.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "bullion/core/error.h"
#include "bullion/core/log.h"
#include "bullion/core/time.h"
#include "bullion/delta/log.h"
#include "bullion/delta/maintenance.h"
#include "bullion/formats/parquet/reader.h"
#include "bullion/formats/parquet/writer.h"

namespace bullion::delta {

namespace {

using nlohmann::ordered_json;

// Field access on a struct Value by name (nullptr when absent or NULL).
const Value* field(const Value& v, const DataType& type, std::string_view name) {
  if (v.is_null()) return nullptr;
  const auto& fields = type.children();
  for (size_t i = 0; i < fields.size(); ++i)
    if (fields[i].name == name) {
      const Value& f = v.children()[i];
      return f.is_null() ? nullptr : &f;
    }
  return nullptr;
}

const DataType* field_type(const DataType& type, std::string_view name) {
  for (const Field& f : type.children())
    if (f.name == name) return &f.type;
  return nullptr;
}

std::optional<std::string> str(const Value& v, const DataType& t, std::string_view name) {
  const Value* f = field(v, t, name);
  if (!f) return std::nullopt;
  return f->as_string();
}

std::optional<int64_t> num(const Value& v, const DataType& t, std::string_view name) {
  const Value* f = field(v, t, name);
  if (!f) return std::nullopt;
  return f->as_int();
}

std::optional<bool> flag(const Value& v, const DataType& t, std::string_view name) {
  const Value* f = field(v, t, name);
  if (!f) return std::nullopt;
  return f->as_bool();
}

std::map<std::string, std::string> string_map(const Value& v, const DataType& t, std::string_view name) {
  std::map<std::string, std::string> out;
  const Value* f = field(v, t, name);
  if (!f) return out;
  for (size_t i = 0; i + 1 < f->children().size(); i += 2)
    if (!f->children()[i + 1].is_null()) out[f->children()[i].as_string()] = f->children()[i + 1].as_string();
  return out;
}

PartitionValues partition_map(const Value& v, const DataType& t, std::string_view name) {
  PartitionValues out;
  const Value* f = field(v, t, name);
  if (!f) return out;
  for (size_t i = 0; i + 1 < f->children().size(); i += 2) {
    const Value& val = f->children()[i + 1];
    out[f->children()[i].as_string()] = val.is_null() ? std::nullopt : std::optional<std::string>(val.as_string());
  }
  return out;
}

std::optional<std::vector<std::string>> string_list(const Value& v, const DataType& t, std::string_view name) {
  const Value* f = field(v, t, name);
  if (!f) return std::nullopt;
  std::vector<std::string> out;
  for (const Value& item : f->children())
    if (!item.is_null()) out.push_back(item.as_string());
  return out;
}

std::optional<DeletionVectorDescriptor> dv_of(const Value& v, const DataType& t) {
  const Value* f = field(v, t, "deletionVector");
  if (!f) return std::nullopt;
  const DataType& dt = *field_type(t, "deletionVector");
  DeletionVectorDescriptor dv;
  const auto type = str(*f, dt, "storageType");
  if (!type || type->size() != 1) throw Error::corrupt("checkpoint deletion vector lacks storageType");
  dv.storage_type = (*type)[0];
  dv.path_or_inline_dv = str(*f, dt, "pathOrInlineDv").value_or("");
  if (auto o = num(*f, dt, "offset")) dv.offset = static_cast<int32_t>(*o);
  dv.size_in_bytes = static_cast<int32_t>(num(*f, dt, "sizeInBytes").value_or(0));
  dv.cardinality = num(*f, dt, "cardinality").value_or(0);
  return dv;
}

// stats_parsed (a struct) as the JSON text `stats` would have held.
ordered_json value_json(const Value& v) {
  if (v.is_null()) return nullptr;
  switch (v.type().id()) {
    case TypeId::kBoolean:
      return v.as_bool();
    case TypeId::kInt8:
    case TypeId::kInt16:
    case TypeId::kInt32:
    case TypeId::kInt64:
      return v.as_int();
    case TypeId::kFloat:
    case TypeId::kDouble:
      return std::isfinite(v.as_double()) ? ordered_json(v.as_double()) : ordered_json(nullptr);
    case TypeId::kDecimal:
      return ordered_json::parse(v.to_display());
    case TypeId::kStruct: {
      ordered_json o = ordered_json::object();
      for (size_t i = 0; i < v.children().size(); ++i) o[v.type().children()[i].name] = value_json(v.children()[i]);
      return o;
    }
    default:
      return v.to_display();
  }
}

}  // namespace

CommitActions read_parquet_actions(FileSystem& fs, const std::string& path) {
  const Batch batch = parquet::read_parquet(fs, path);
  const Schema& schema = *batch.schema();
  CommitActions out;
  auto column = [&](std::string_view name) -> const Column* {
    const auto idx = schema.index_of(name);
    return idx ? batch.column(*idx).get() : nullptr;
  };
  const Column* add = column("add");
  const Column* remove = column("remove");
  const Column* metadata = column("metaData");
  const Column* protocol = column("protocol");
  const Column* txn = column("txn");
  const Column* domain = column("domainMetadata");
  const Column* sidecar = column("sidecar");
  const Column* checkpoint_metadata = column("checkpointMetadata");
  for (size_t r = 0; r < batch.num_rows(); ++r) {
    if (add && add->is_valid(r)) {
      const Value v = add->value(r);
      const DataType& t = add->type();
      AddFile a;
      a.path = str(v, t, "path").value_or("");
      if (a.path.empty()) throw Error::corrupt("checkpoint '" + path + "' has an add action without a path");
      a.partition_values = partition_map(v, t, "partitionValues");
      a.size = num(v, t, "size").value_or(0);
      a.modification_time = num(v, t, "modificationTime").value_or(0);
      a.data_change = flag(v, t, "dataChange").value_or(false);
      a.stats = str(v, t, "stats");
      if (!a.stats) {
        if (const Value* parsed = field(v, t, "stats_parsed")) a.stats = value_json(*parsed).dump();
      }
      a.tags = string_map(v, t, "tags");
      a.deletion_vector = dv_of(v, t);
      a.base_row_id = num(v, t, "baseRowId");
      a.default_row_commit_version = num(v, t, "defaultRowCommitVersion");
      a.clustering_provider = str(v, t, "clusteringProvider");
      out.order.push_back({true, out.adds.size()});
      out.adds.push_back(std::move(a));
    }
    if (remove && remove->is_valid(r)) {
      const Value v = remove->value(r);
      const DataType& t = remove->type();
      RemoveFile rm;
      rm.path = str(v, t, "path").value_or("");
      rm.deletion_timestamp = num(v, t, "deletionTimestamp");
      rm.data_change = flag(v, t, "dataChange").value_or(false);
      rm.extended_file_metadata = flag(v, t, "extendedFileMetadata");
      if (field(v, t, "partitionValues")) rm.partition_values = partition_map(v, t, "partitionValues");
      rm.size = num(v, t, "size");
      rm.deletion_vector = dv_of(v, t);
      out.order.push_back({false, out.removes.size()});
      out.removes.push_back(std::move(rm));
    }
    if (metadata && metadata->is_valid(r)) {
      const Value v = metadata->value(r);
      const DataType& t = metadata->type();
      Metadata m;
      m.id = str(v, t, "id").value_or("");
      m.name = str(v, t, "name");
      m.description = str(v, t, "description");
      if (const Value* f = field(v, t, "format")) {
        const DataType& ft = *field_type(t, "format");
        m.format_provider = str(*f, ft, "provider").value_or("parquet");
        m.format_options = string_map(*f, ft, "options");
      }
      m.schema_string = str(v, t, "schemaString").value_or("");
      m.partition_columns = string_list(v, t, "partitionColumns").value_or(std::vector<std::string>{});
      m.configuration = string_map(v, t, "configuration");
      m.created_time = num(v, t, "createdTime");
      out.metadata = std::move(m);
    }
    if (protocol && protocol->is_valid(r)) {
      const Value v = protocol->value(r);
      const DataType& t = protocol->type();
      Protocol p;
      p.min_reader_version = static_cast<int>(num(v, t, "minReaderVersion").value_or(1));
      p.min_writer_version = static_cast<int>(num(v, t, "minWriterVersion").value_or(2));
      p.reader_features = string_list(v, t, "readerFeatures");
      p.writer_features = string_list(v, t, "writerFeatures");
      out.protocol = std::move(p);
    }
    if (txn && txn->is_valid(r)) {
      const Value v = txn->value(r);
      const DataType& t = txn->type();
      out.txns.push_back({str(v, t, "appId").value_or(""), num(v, t, "version").value_or(0), num(v, t, "lastUpdated")});
    }
    if (domain && domain->is_valid(r)) {
      const Value v = domain->value(r);
      const DataType& t = domain->type();
      out.domains.push_back({str(v, t, "domain").value_or(""), str(v, t, "configuration").value_or(""),
                             flag(v, t, "removed").value_or(false)});
    }
    if (sidecar && sidecar->is_valid(r)) {
      const Value v = sidecar->value(r);
      const DataType& t = sidecar->type();
      out.sidecars.push_back({str(v, t, "path").value_or(""), num(v, t, "sizeInBytes").value_or(0),
                              num(v, t, "modificationTime").value_or(0)});
    }
    if (checkpoint_metadata && checkpoint_metadata->is_valid(r)) out.has_checkpoint_metadata = true;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------

namespace {

DataType string_map_type() { return DataType::map(DataType::string(), DataType::string()); }

SchemaPtr checkpoint_schema() {
  static const SchemaPtr schema = [] {
    const DataType txn = DataType::struct_({Field("appId", DataType::string()), Field("version", DataType::int64()),
                                            Field("lastUpdated", DataType::int64())});
    const DataType add =
        DataType::struct_({Field("path", DataType::string()), Field("partitionValues", string_map_type()),
                           Field("size", DataType::int64()), Field("modificationTime", DataType::int64()),
                           Field("dataChange", DataType::boolean()), Field("stats", DataType::string()),
                           Field("tags", string_map_type())});
    const DataType remove =
        DataType::struct_({Field("path", DataType::string()), Field("deletionTimestamp", DataType::int64()),
                           Field("dataChange", DataType::boolean()), Field("extendedFileMetadata", DataType::boolean()),
                           Field("partitionValues", string_map_type()), Field("size", DataType::int64())});
    const DataType format =
        DataType::struct_({Field("provider", DataType::string()), Field("options", string_map_type())});
    const DataType metadata = DataType::struct_(
        {Field("id", DataType::string()), Field("name", DataType::string()), Field("description", DataType::string()),
         Field("format", format), Field("schemaString", DataType::string()),
         Field("partitionColumns", DataType::list(DataType::string())), Field("configuration", string_map_type()),
         Field("createdTime", DataType::int64())});
    const DataType protocol =
        DataType::struct_({Field("minReaderVersion", DataType::int32()), Field("minWriterVersion", DataType::int32()),
                           Field("readerFeatures", DataType::list(DataType::string())),
                           Field("writerFeatures", DataType::list(DataType::string()))});
    const DataType domain =
        DataType::struct_({Field("domain", DataType::string()), Field("configuration", DataType::string()),
                           Field("removed", DataType::boolean())});
    return std::make_shared<Schema>(std::vector<Field>{Field("txn", txn), Field("add", add), Field("remove", remove),
                                                       Field("metaData", metadata), Field("protocol", protocol),
                                                       Field("domainMetadata", domain)});
  }();
  return schema;
}

Value map_value(const std::map<std::string, std::string>& m) {
  std::vector<Value> items;
  for (const auto& [k, v] : m) {
    items.push_back(Value::string(k));
    items.push_back(Value::string(v));
  }
  return Value::nested(string_map_type(), std::move(items));
}

Value partition_value_map(const PartitionValues& pv) {
  std::vector<Value> items;
  for (const auto& [k, v] : pv) {
    items.push_back(Value::string(k));
    items.push_back(v ? Value::string(*v) : Value::null(DataType::string()));
  }
  return Value::nested(string_map_type(), std::move(items));
}

Value opt_string(const std::optional<std::string>& s) {
  return s ? Value::string(*s) : Value::null(DataType::string());
}
Value opt_int(const std::optional<int64_t>& i) { return i ? Value::int64(*i) : Value::null(DataType::int64()); }

Value string_list_value(const std::optional<std::vector<std::string>>& l) {
  const DataType t = DataType::list(DataType::string());
  if (!l) return Value::null(t);
  std::vector<Value> items;
  for (const auto& s : *l) items.push_back(Value::string(s));
  return Value::nested(t, std::move(items));
}

}  // namespace

int64_t checkpoint_interval(const Metadata& metadata) {
  if (const std::string* v = metadata.config("delta.checkpointInterval")) {
    try {
      const int64_t n = std::stoll(*v);
      if (n > 0) return n;
    } catch (...) {
    }
  }
  return 10;
}

void write_checkpoint(const DeltaTable& table, const Snapshot& snapshot) {
  const SchemaPtr schema = checkpoint_schema();
  Batch batch = Batch::empty(schema);
  auto row = [&](size_t which, Value v) {
    for (size_t c = 0; c < schema->size(); ++c)
      batch.column(c)->append_value(c == which ? std::move(v) : Value::null(schema->field(c).type));
  };
  const DataType& txn_t = schema->field(0).type;
  const DataType& add_t = schema->field(1).type;
  const DataType& remove_t = schema->field(2).type;
  const DataType& meta_t = schema->field(3).type;
  const DataType& proto_t = schema->field(4).type;
  const DataType& domain_t = schema->field(5).type;
  const Protocol& p = snapshot.protocol();
  row(4, Value::nested(proto_t, {Value::int32(p.min_reader_version), Value::int32(p.min_writer_version),
                                 string_list_value(p.reader_features), string_list_value(p.writer_features)}));
  const Metadata& m = snapshot.metadata();
  row(3, Value::nested(meta_t, {Value::string(m.id), opt_string(m.name), opt_string(m.description),
                                Value::nested(meta_t.child(3).type,
                                              {Value::string(m.format_provider), map_value(m.format_options)}),
                                Value::string(m.schema_string), string_list_value(m.partition_columns),
                                map_value(m.configuration), opt_int(m.created_time)}));
  for (const auto& [app, t] : snapshot.txns())
    row(0, Value::nested(txn_t, {Value::string(t.app_id), Value::int64(t.version), opt_int(t.last_updated)}));
  for (const auto& [name, d] : snapshot.domains())
    row(5, Value::nested(domain_t, {Value::string(d.domain), Value::string(d.configuration), Value::boolean(false)}));
  size_t num_adds = 0;
  for (const AddFile& a : snapshot.files()) {
    if (a.deletion_vector)
      throw Error::unsupported("cannot write a checkpoint for '" + table.path() + "': it has deletion vectors");
    row(1, Value::nested(add_t, {Value::string(a.path), partition_value_map(a.partition_values), Value::int64(a.size),
                                 Value::int64(a.modification_time), Value::boolean(a.data_change), opt_string(a.stats),
                                 a.tags.empty() ? Value::null(string_map_type()) : map_value(a.tags)}));
    ++num_adds;
  }
  // Unexpired tombstones only (PROTOCOL.md "Checkpoints").
  int64_t retention = kDefaultDeletedFileRetentionMs;
  if (const std::string* prop = m.config("delta.deletedFileRetentionDuration")) retention = parse_interval_ms(*prop);
  const int64_t expire_before = now_micros() / 1000 - retention;
  for (const RemoveFile& r : snapshot.tombstones()) {
    if (r.deletion_timestamp.value_or(0) < expire_before) continue;
    row(2, Value::nested(
               remove_t,
               {Value::string(r.path), opt_int(r.deletion_timestamp), Value::boolean(r.data_change),
                r.extended_file_metadata ? Value::boolean(*r.extended_file_metadata) : Value::null(DataType::boolean()),
                r.partition_values ? partition_value_map(*r.partition_values) : Value::null(string_map_type()),
                opt_int(r.size)}));
  }
  batch.sync_num_rows();
  char name[64];
  std::snprintf(name, sizeof name, "%020lld.checkpoint.parquet", static_cast<long long>(snapshot.version()));
  const std::string final_path = table.log_path() + "/" + name;
  // Write to a hidden temp name, then publish: readers never see a partial checkpoint.
  const std::string tmp = table.log_path() + "/." + name + ".tmp";
  parquet::WriteOptions options;
  options.compression = parquet::Compression::kSnappy;
  options.sync_on_close = true;
  const parquet::WrittenFile written = parquet::write_parquet(table.fs(), tmp, batch, options);
  table.fs().rename(tmp, final_path);
  table.fs().sync_dir(table.log_path());
  const ordered_json last{{"version", snapshot.version()},
                          {"size", batch.num_rows()},
                          {"sizeInBytes", written.file_size},
                          {"numOfAddFiles", num_adds}};
  table.fs().write_atomic(table.log_path() + "/_last_checkpoint", last.dump());
}

}  // namespace bullion::delta
