#include "bullion/delta/actions.h"

#include <simdjson.h>

#include <algorithm>

#include "bullion/core/error.h"

namespace bullion::delta {

bool Protocol::has_reader_feature(std::string_view name) const {
  return reader_features && std::find(reader_features->begin(), reader_features->end(), name) != reader_features->end();
}

bool Protocol::has_writer_feature(std::string_view name) const {
  return writer_features && std::find(writer_features->begin(), writer_features->end(), name) != writer_features->end();
}

const std::string* Metadata::config(std::string_view key) const {
  const auto it = configuration.find(std::string(key));
  return it == configuration.end() ? nullptr : &it->second;
}

std::string DeletionVectorDescriptor::unique_id() const {
  std::string id(1, storage_type);
  id += path_or_inline_dv;
  if (offset) id += "@" + std::to_string(*offset);
  return id;
}

namespace {

using simdjson::dom::element;
using simdjson::dom::object;

class ActionParser {
 public:
  ActionParser(const std::string& file, size_t line) : file_(file), line_(line) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw Error::corrupt("corrupt Delta log: " + file_ + " line " + std::to_string(line_) + ": " + what,
                         "the commit was written by a broken or incompatible writer; restore the file or the table");
  }

  std::string string_field(object o, const char* key, bool required) const {
    element e;
    if (o[key].get(e) != simdjson::SUCCESS || e.is_null()) {
      if (required) fail(std::string("missing field '") + key + "'");
      return {};
    }
    std::string_view s;
    if (e.get(s) != simdjson::SUCCESS) fail(std::string("field '") + key + "' is not a string");
    return std::string(s);
  }

  std::optional<std::string> opt_string(object o, const char* key) const {
    element e;
    if (o[key].get(e) != simdjson::SUCCESS || e.is_null()) return std::nullopt;
    std::string_view s;
    if (e.get(s) != simdjson::SUCCESS) fail(std::string("field '") + key + "' is not a string");
    return std::string(s);
  }

  std::optional<int64_t> opt_int(object o, const char* key) const {
    element e;
    if (o[key].get(e) != simdjson::SUCCESS || e.is_null()) return std::nullopt;
    int64_t v;
    if (e.get(v) == simdjson::SUCCESS) return v;
    uint64_t u;
    if (e.get(u) == simdjson::SUCCESS) return static_cast<int64_t>(u);
    double d;
    if (e.get(d) == simdjson::SUCCESS) return static_cast<int64_t>(d);
    // Some writers put numbers in strings (e.g. older delta-rs for size).
    std::string_view s;
    if (e.get(s) == simdjson::SUCCESS) {
      try {
        return std::stoll(std::string(s));
      } catch (...) {
      }
    }
    fail(std::string("field '") + key + "' is not an integer");
  }

  int64_t int_field(object o, const char* key) const {
    auto v = opt_int(o, key);
    if (!v) fail(std::string("missing field '") + key + "'");
    return *v;
  }

  std::optional<bool> opt_bool(object o, const char* key) const {
    element e;
    if (o[key].get(e) != simdjson::SUCCESS || e.is_null()) return std::nullopt;
    bool b;
    if (e.get(b) != simdjson::SUCCESS) fail(std::string("field '") + key + "' is not a boolean");
    return b;
  }

  std::map<std::string, std::string> string_map(object o, const char* key) const {
    std::map<std::string, std::string> out;
    element e;
    if (o[key].get(e) != simdjson::SUCCESS || e.is_null()) return out;
    object m;
    if (e.get(m) != simdjson::SUCCESS) fail(std::string("field '") + key + "' is not an object");
    for (auto [k, v] : m) {
      std::string_view s;
      if (v.is_null()) continue;
      if (v.get(s) == simdjson::SUCCESS)
        out.emplace(std::string(k), std::string(s));
      else
        out.emplace(std::string(k), simdjson::minify(v));
    }
    return out;
  }

  PartitionValues partition_values(object o, const char* key) const {
    PartitionValues out;
    element e;
    if (o[key].get(e) != simdjson::SUCCESS || e.is_null()) return out;
    object m;
    if (e.get(m) != simdjson::SUCCESS) fail(std::string("field '") + key + "' is not an object");
    for (auto [k, v] : m) {
      std::string_view s;
      if (v.is_null())
        out.emplace(std::string(k), std::nullopt);
      else if (v.get(s) == simdjson::SUCCESS)
        out.emplace(std::string(k), std::string(s));
      else
        out.emplace(std::string(k), simdjson::minify(v));
    }
    return out;
  }

  std::optional<std::vector<std::string>> string_list(object o, const char* key) const {
    element e;
    if (o[key].get(e) != simdjson::SUCCESS || e.is_null()) return std::nullopt;
    simdjson::dom::array a;
    if (e.get(a) != simdjson::SUCCESS) fail(std::string("field '") + key + "' is not an array");
    std::vector<std::string> out;
    for (element item : a) {
      std::string_view s;
      if (item.get(s) != simdjson::SUCCESS) fail(std::string("field '") + key + "' holds a non-string");
      out.emplace_back(s);
    }
    return out;
  }

  std::optional<DeletionVectorDescriptor> deletion_vector(object o) const {
    element e;
    if (o["deletionVector"].get(e) != simdjson::SUCCESS || e.is_null()) return std::nullopt;
    object d;
    if (e.get(d) != simdjson::SUCCESS) fail("deletionVector is not an object");
    DeletionVectorDescriptor dv;
    const std::string type = string_field(d, "storageType", true);
    if (type.size() != 1 || (type[0] != 'u' && type[0] != 'i' && type[0] != 'p'))
      fail("deletionVector.storageType '" + type + "' is not u, i or p");
    dv.storage_type = type[0];
    dv.path_or_inline_dv = string_field(d, "pathOrInlineDv", true);
    if (auto off = opt_int(d, "offset")) dv.offset = static_cast<int32_t>(*off);
    dv.size_in_bytes = static_cast<int32_t>(int_field(d, "sizeInBytes"));
    dv.cardinality = int_field(d, "cardinality");
    return dv;
  }

  Protocol protocol(object o) const {
    Protocol p;
    p.min_reader_version = static_cast<int>(int_field(o, "minReaderVersion"));
    p.min_writer_version = static_cast<int>(int_field(o, "minWriterVersion"));
    p.reader_features = string_list(o, "readerFeatures");
    p.writer_features = string_list(o, "writerFeatures");
    return p;
  }

  Metadata metadata(object o) const {
    Metadata m;
    m.id = string_field(o, "id", true);
    m.name = opt_string(o, "name");
    m.description = opt_string(o, "description");
    element f;
    if (o["format"].get(f) == simdjson::SUCCESS && f.is_object()) {
      object fo = f.get_object().value_unsafe();
      if (auto p = opt_string(fo, "provider")) m.format_provider = *p;
      m.format_options = string_map(fo, "options");
    }
    // Some log-only tables omit it (Spark tolerates that until the schema is used).
    m.schema_string = string_field(o, "schemaString", false);
    if (auto cols = string_list(o, "partitionColumns")) m.partition_columns = std::move(*cols);
    m.configuration = string_map(o, "configuration");
    m.created_time = opt_int(o, "createdTime");
    return m;
  }

  AddFile add(object o) const {
    AddFile a;
    a.path = string_field(o, "path", true);
    a.partition_values = partition_values(o, "partitionValues");
    a.size = opt_int(o, "size").value_or(0);
    a.modification_time = opt_int(o, "modificationTime").value_or(0);
    a.data_change = opt_bool(o, "dataChange").value_or(true);
    a.stats = opt_string(o, "stats");
    a.tags = string_map(o, "tags");
    a.deletion_vector = deletion_vector(o);
    a.base_row_id = opt_int(o, "baseRowId");
    a.default_row_commit_version = opt_int(o, "defaultRowCommitVersion");
    a.clustering_provider = opt_string(o, "clusteringProvider");
    return a;
  }

  RemoveFile remove(object o) const {
    RemoveFile r;
    r.path = string_field(o, "path", true);
    r.deletion_timestamp = opt_int(o, "deletionTimestamp");
    r.data_change = opt_bool(o, "dataChange").value_or(true);
    r.extended_file_metadata = opt_bool(o, "extendedFileMetadata");
    element pv;
    if (o["partitionValues"].get(pv) == simdjson::SUCCESS && !pv.is_null())
      r.partition_values = partition_values(o, "partitionValues");
    r.size = opt_int(o, "size");
    r.stats = opt_string(o, "stats");
    r.tags = string_map(o, "tags");
    r.deletion_vector = deletion_vector(o);
    r.base_row_id = opt_int(o, "baseRowId");
    r.default_row_commit_version = opt_int(o, "defaultRowCommitVersion");
    return r;
  }

  CommitInfo commit_info(element e) const {
    CommitInfo c;
    c.json = simdjson::minify(e);
    object o;
    if (e.get(o) != simdjson::SUCCESS) return c;
    // commitInfo is informational: tolerate odd types rather than fail the read.
    auto soft_int = [&](const char* key) -> std::optional<int64_t> {
      element v;
      int64_t i;
      if (o[key].get(v) == simdjson::SUCCESS && v.get(i) == simdjson::SUCCESS) return i;
      return std::nullopt;
    };
    c.timestamp = soft_int("timestamp");
    c.in_commit_timestamp = soft_int("inCommitTimestamp");
    c.read_version = soft_int("readVersion");
    element v;
    std::string_view s;
    if (o["operation"].get(v) == simdjson::SUCCESS && v.get(s) == simdjson::SUCCESS) c.operation = std::string(s);
    bool b;
    if (o["isBlindAppend"].get(v) == simdjson::SUCCESS && v.get(b) == simdjson::SUCCESS) c.is_blind_append = b;
    return c;
  }

 private:
  const std::string& file_;
  size_t line_;
};

}  // namespace

CommitActions parse_actions(std::string_view text, const std::string& file) {
  CommitActions out;
  simdjson::dom::parser parser;
  // One padded copy of the whole text: each line is then parsed in place
  // (simdjson reads up to SIMDJSON_PADDING bytes past a line's end, which
  // stay inside this buffer).
  const simdjson::padded_string padded(text);
  size_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    ++line_no;
    std::string_view line = text.substr(pos, end - pos);
    const size_t line_start = pos;
    pos = end + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line.empty()) continue;
    ActionParser p(file, line_no);
    element doc;
    if (auto err = parser.parse(padded.data() + line_start, line.size(), false).get(doc); err != simdjson::SUCCESS)
      p.fail(std::string("invalid JSON (") + simdjson::error_message(err) + ")");
    object o;
    if (doc.get(o) != simdjson::SUCCESS) p.fail("an action must be a JSON object");
    for (auto [key, value] : o) {
      if (value.is_null()) continue;
      if (key == "commitInfo") {
        out.commit_info = p.commit_info(value);
        continue;
      }
      object a;
      if (value.get(a) != simdjson::SUCCESS) continue;  // unknown shapes are ignored
      if (key == "add") {
        out.order.push_back({true, out.adds.size()});
        out.adds.push_back(p.add(a));
      } else if (key == "remove") {
        out.order.push_back({false, out.removes.size()});
        out.removes.push_back(p.remove(a));
      } else if (key == "metaData") {
        out.metadata = p.metadata(a);
      } else if (key == "protocol") {
        out.protocol = p.protocol(a);
      } else if (key == "txn") {
        out.txns.push_back({p.string_field(a, "appId", true), p.int_field(a, "version"), p.opt_int(a, "lastUpdated")});
      } else if (key == "domainMetadata") {
        out.domains.push_back({p.string_field(a, "domain", true), p.string_field(a, "configuration", false),
                               p.opt_bool(a, "removed").value_or(false)});
      } else if (key == "sidecar") {
        out.sidecars.push_back({p.string_field(a, "path", true), p.opt_int(a, "sizeInBytes").value_or(0),
                                p.opt_int(a, "modificationTime").value_or(0)});
      } else if (key == "checkpointMetadata") {
        out.has_checkpoint_metadata = true;
      } else if (key == "cdc") {
        out.has_cdc = true;
      }
    }
  }
  return out;
}

}  // namespace bullion::delta
