#include "tracking/search.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "bullion/core/error.h"

namespace bullion::tracking::search {
namespace {

enum class Tok { kWord, kBacktick, kDouble, kSingle, kNumber, kDot, kOp, kLParen, kRParen, kComma, kEnd };

struct Token {
  Tok kind;
  std::string text;
  size_t pos;
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

[[noreturn]] void fail(std::string_view what, std::string_view input, size_t pos) {
  throw Error::invalid_input("invalid search " + std::string(what) + " at position " + std::to_string(pos + 1) +
                                 " of '" + std::string(input) + "'",
                             "write clauses like metrics.roc_auc > 0.8 and params.max_depth = '5' joined with AND");
}

std::vector<Token> lex(std::string_view in, std::string_view what) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < in.size()) {
    const char c = in[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    const size_t start = i;
    if (c == '\'' || c == '"' || c == '`') {
      std::string text;
      ++i;
      bool closed = false;
      while (i < in.size()) {
        if (in[i] == '\\' && c != '`' && i + 1 < in.size()) {
          text += in[i + 1];
          i += 2;
          continue;
        }
        if (in[i] == c) {
          if (i + 1 < in.size() && in[i + 1] == c) {  // doubled quote
            text += c;
            i += 2;
            continue;
          }
          closed = true;
          ++i;
          break;
        }
        text += in[i++];
      }
      if (!closed) fail(std::string(what) + ": unterminated quote", in, start);
      out.push_back({c == '\'' ? Tok::kSingle : c == '"' ? Tok::kDouble : Tok::kBacktick, std::move(text), start});
      continue;
    }
    const bool after_dot = !out.empty() && out.back().kind == Tok::kDot && out.back().pos + 1 == start;
    if (after_dot && is_word_char(c)) {
      while (i < in.size() && is_word_char(in[i])) ++i;
      out.push_back({Tok::kWord, std::string(in.substr(start, i - start)), start});
      continue;
    }
    const bool signed_number = (c == '-' || c == '+') && i + 1 < in.size() &&
                               (std::isdigit(static_cast<unsigned char>(in[i + 1])) || in[i + 1] == '.');
    if (std::isdigit(static_cast<unsigned char>(c)) || signed_number ||
        (c == '.' && i + 1 < in.size() && std::isdigit(static_cast<unsigned char>(in[i + 1])))) {
      ++i;
      while (i < in.size() && (std::isdigit(static_cast<unsigned char>(in[i])) || in[i] == '.')) ++i;
      if (i < in.size() && (in[i] == 'e' || in[i] == 'E')) {
        size_t j = i + 1;
        if (j < in.size() && (in[j] == '+' || in[j] == '-')) ++j;
        if (j < in.size() && std::isdigit(static_cast<unsigned char>(in[j]))) {
          i = j;
          while (i < in.size() && std::isdigit(static_cast<unsigned char>(in[i]))) ++i;
        }
      }
      out.push_back({Tok::kNumber, std::string(in.substr(start, i - start)), start});
      continue;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      while (i < in.size() && is_word_char(in[i])) ++i;
      out.push_back({Tok::kWord, std::string(in.substr(start, i - start)), start});
      continue;
    }
    switch (c) {
      case '.':
        out.push_back({Tok::kDot, ".", start});
        ++i;
        continue;
      case '(':
        out.push_back({Tok::kLParen, "(", start});
        ++i;
        continue;
      case ')':
        out.push_back({Tok::kRParen, ")", start});
        ++i;
        continue;
      case ',':
        out.push_back({Tok::kComma, ",", start});
        ++i;
        continue;
      default:
        break;
    }
    for (const char* op : {"!=", "<>", ">=", "<=", "==", "=", ">", "<"}) {
      const std::string_view sv(op);
      if (in.substr(i, sv.size()) == sv) {
        out.push_back({Tok::kOp, std::string(sv), start});
        i += sv.size();
        goto next;
      }
    }
    fail(std::string(what) + ": unexpected character '" + std::string(1, c) + "'", in, start);
  next:;
  }
  out.push_back({Tok::kEnd, "", in.size()});
  return out;
}

struct Identifier {
  EntityType type;
  std::string key;
};

EntityType entity_type_of(std::string_view word, bool* ok) {
  const std::string w = lower(word);
  *ok = true;
  if (w == "metric" || w == "metrics") return EntityType::kMetric;
  if (w == "param" || w == "params" || w == "parameter" || w == "parameters") return EntityType::kParam;
  if (w == "tag" || w == "tags") return EntityType::kTag;
  if (w == "attribute" || w == "attributes" || w == "attr" || w == "run") return EntityType::kAttribute;
  if (w == "dataset" || w == "datasets") return EntityType::kDataset;
  *ok = false;
  return EntityType::kAttribute;
}

// Attribute names per searched entity; aliases map to their canonical name.
std::string canonical_attribute(SearchKind kind, const std::string& key, bool for_order) {
  switch (kind) {
    case SearchKind::kRuns: {
      if (key == "created" || key == "Created") return "start_time";
      if (key == "run name" || key == "Run name" || key == "Run Name") return "run_name";
      static const std::set<std::string> search = {"run_id",     "run_name", "user_id",     "status",
                                                   "start_time", "end_time", "artifact_uri"};
      static const std::set<std::string> order = {"run_id",          "run_name", "user_id",      "status",
                                                  "start_time",      "end_time", "artifact_uri", "experiment_id",
                                                  "lifecycle_stage", "run_uuid"};
      if ((for_order ? order : search).count(key)) return key == "run_uuid" ? "run_id" : key;
      return "";
    }
    case SearchKind::kExperiments: {
      static const std::set<std::string> keys = {"name", "experiment_id", "creation_time", "last_update_time"};
      return keys.count(key) ? key : "";
    }
    case SearchKind::kRegisteredModels: {
      if (for_order) {
        if (key == "timestamp" || key == "creation_timestamp") return "creation_timestamp";
        if (key == "name" || key == "last_updated_timestamp") return key;
        return "";
      }
      return key == "name" ? key : "";
    }
    case SearchKind::kModelVersions: {
      if (for_order) {
        static const std::set<std::string> keys = {"name", "version_number", "creation_timestamp",
                                                   "last_updated_timestamp"};
        if (key == "timestamp") return "creation_timestamp";
        return keys.count(key) ? key : "";
      }
      static const std::set<std::string> keys = {"name", "run_id", "source_path", "version_number"};
      return keys.count(key) ? key : "";
    }
    case SearchKind::kLoggedModels: {
      static const std::set<std::string> keys = {
          "name",         "model_id",           "source_run_id", "status",
          "model_type",   "creation_timestamp", "creation_time", "last_updated_timestamp",
          "experiment_id"};
      if (!keys.count(key)) return "";
      return key == "creation_time" ? "creation_timestamp" : key;
    }
  }
  return "";
}

bool entity_allowed(SearchKind kind, EntityType type) {
  switch (kind) {
    case SearchKind::kRuns:
      return true;
    case SearchKind::kLoggedModels:
      return type != EntityType::kDataset;
    default:
      return type == EntityType::kAttribute || type == EntityType::kTag;
  }
}

class Parser {
 public:
  Parser(std::string_view input, SearchKind kind, std::string_view what)
      : input_(input), kind_(kind), what_(what), tokens_(lex(input, what)) {}

  std::vector<Clause> filter() {
    std::vector<Clause> clauses;
    if (peek().kind == Tok::kEnd) return clauses;
    while (true) {
      clauses.push_back(clause());
      if (peek().kind == Tok::kEnd) break;
      const Token& t = next();
      if (t.kind != Tok::kWord || upper(t.text) != "AND")
        fail(what_ + ": expected AND between clauses, found '" + t.text + "' (OR is not supported)", input_, t.pos);
    }
    return clauses;
  }

  OrderBy order_by() {
    const Identifier id = identifier(true);
    OrderBy result{id.type, id.key, true};
    if (peek().kind == Tok::kWord) {
      const Token& t = next();
      const std::string dir = upper(t.text);
      if (dir == "DESC")
        result.ascending = false;
      else if (dir != "ASC")
        fail(what_ + ": expected ASC or DESC, found '" + t.text + "'", input_, t.pos);
    }
    if (peek().kind != Tok::kEnd) fail(what_ + ": unexpected '" + peek().text + "'", input_, peek().pos);
    return result;
  }

 private:
  const Token& peek(size_t ahead = 0) const { return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)]; }
  const Token& next() { return tokens_[std::min(pos_++, tokens_.size() - 1)]; }

  Identifier identifier(bool for_order) {
    const Token& first = next();
    if (first.kind != Tok::kWord && first.kind != Tok::kBacktick && first.kind != Tok::kDouble)
      fail(what_ + ": expected an identifier such as metrics.<key>, found '" + first.text + "'", input_, first.pos);
    std::vector<std::string> parts = {first.text};
    std::vector<bool> quoted = {first.kind != Tok::kWord};
    while (peek().kind == Tok::kDot) {
      next();
      const Token& part = next();
      if (part.kind != Tok::kWord && part.kind != Tok::kBacktick && part.kind != Tok::kDouble &&
          part.kind != Tok::kNumber)
        fail(what_ + ": expected a key after '.'", input_, part.pos);
      parts.push_back(part.text);
      quoted.push_back(part.kind != Tok::kWord && part.kind != Tok::kNumber);
    }
    Identifier id{EntityType::kAttribute, ""};
    bool typed = false;
    if (parts.size() > 1) {
      id.type = entity_type_of(parts[0], &typed);
      if (!typed)
        fail(
            what_ + ": unknown entity type '" + parts[0] + "' (use metrics., params., tags., attributes. or datasets.)",
            input_, first.pos);
      for (size_t i = 1; i < parts.size(); ++i) id.key += (i > 1 ? "." : "") + parts[i];
    } else {
      id.key = parts[0];
      // A bare "run name" style key may have been written as two words: not
      // supported unquoted; a backticked `Run name` is a single part.
    }
    if (!entity_allowed(kind_, id.type))
      fail(what_ + ": '" + parts[0] + "' keys cannot be used here", input_, first.pos);
    if (id.key.empty()) fail(what_ + ": empty key", input_, first.pos);
    if (id.type == EntityType::kAttribute) {
      const std::string canonical = canonical_attribute(kind_, id.key, for_order);
      if (canonical.empty()) fail(what_ + ": unknown attribute '" + id.key + "'", input_, first.pos);
      id.key = canonical;
    } else if (id.type == EntityType::kDataset) {
      if (id.key != "name" && id.key != "digest" && id.key != "context")
        fail(what_ + ": unknown dataset key '" + id.key + "' (name, digest or context)", input_, first.pos);
      if (for_order) fail(what_ + ": cannot order by dataset keys", input_, first.pos);
    }
    return id;
  }

  Clause clause() {
    const size_t clause_pos = peek().pos;
    const Identifier id = identifier(false);
    Clause c;
    c.type = id.type;
    c.key = id.key;
    const Token& op = next();
    const std::string opu = upper(op.text);
    if (op.kind == Tok::kOp) {
      if (op.text == "=" || op.text == "==")
        c.op = Comparator::kEq;
      else if (op.text == "!=" || op.text == "<>")
        c.op = Comparator::kNe;
      else if (op.text == ">")
        c.op = Comparator::kGt;
      else if (op.text == ">=")
        c.op = Comparator::kGe;
      else if (op.text == "<")
        c.op = Comparator::kLt;
      else
        c.op = Comparator::kLe;
    } else if (op.kind == Tok::kWord && opu == "LIKE") {
      c.op = Comparator::kLike;
    } else if (op.kind == Tok::kWord && opu == "ILIKE") {
      c.op = Comparator::kILike;
    } else if (op.kind == Tok::kWord && opu == "IN") {
      c.op = Comparator::kIn;
    } else if (op.kind == Tok::kWord && opu == "NOT" && peek().kind == Tok::kWord && upper(peek().text) == "IN") {
      next();
      c.op = Comparator::kNotIn;
    } else if (op.kind == Tok::kWord && opu == "IS") {
      bool negated = false;
      if (peek().kind == Tok::kWord && upper(peek().text) == "NOT") {
        next();
        negated = true;
      }
      const Token& null = next();
      if (null.kind != Tok::kWord || upper(null.text) != "NULL")
        fail(what_ + ": expected NULL after IS", input_, null.pos);
      c.op = negated ? Comparator::kIsNotNull : Comparator::kIsNull;
      if (c.type != EntityType::kParam && c.type != EntityType::kTag)
        fail(what_ + ": IS NULL / IS NOT NULL is only supported for params and tags", input_, clause_pos);
      return c;
    } else {
      fail(what_ + ": expected a comparison operator after '" + id.key + "', found '" + op.text + "'", input_, op.pos);
    }
    validate_operator(c, clause_pos);
    value(c, clause_pos);
    return c;
  }

  void validate_operator(const Clause& c, size_t pos) {
    const bool ordering =
        c.op == Comparator::kGt || c.op == Comparator::kGe || c.op == Comparator::kLt || c.op == Comparator::kLe;
    const bool pattern = c.op == Comparator::kLike || c.op == Comparator::kILike;
    const bool list = c.op == Comparator::kIn || c.op == Comparator::kNotIn;
    const std::string name = std::string(sql_operator(c.op));
    switch (c.type) {
      case EntityType::kMetric:
        if (pattern || list) fail(what_ + ": operator " + name + " is not valid for metrics", input_, pos);
        return;
      case EntityType::kParam:
      case EntityType::kTag:
        if (ordering || list)
          fail(what_ + ": operator " + name + " is not valid for params and tags (use =, !=, LIKE, ILIKE)", input_,
               pos);
        return;
      case EntityType::kDataset:
        if (ordering) fail(what_ + ": operator " + name + " is not valid for datasets", input_, pos);
        return;
      case EntityType::kAttribute:
        if (is_numeric_attribute(kind_, c.key)) {
          if (pattern || list)
            fail(what_ + ": operator " + name + " is not valid for numeric attribute " + c.key, input_, pos);
        } else {
          if (ordering) fail(what_ + ": operator " + name + " is not valid for string attribute " + c.key, input_, pos);
          if (list && c.key != "run_id")
            fail(what_ + ": only run_id can be compared with a list (IN / NOT IN)", input_, pos);
        }
        return;
    }
  }

  void value(Clause& c, size_t pos) {
    const bool numeric =
        c.type == EntityType::kMetric || (c.type == EntityType::kAttribute && is_numeric_attribute(kind_, c.key));
    if (c.op == Comparator::kIn || c.op == Comparator::kNotIn) {
      const Token& open = next();
      if (open.kind != Tok::kLParen) fail(what_ + ": expected '(' after IN", input_, open.pos);
      while (true) {
        const Token& v = next();
        if (v.kind != Tok::kSingle && v.kind != Tok::kDouble)
          fail(what_ + ": IN lists hold quoted strings", input_, v.pos);
        c.list.push_back(v.text);
        const Token& sep = next();
        if (sep.kind == Tok::kRParen) break;
        if (sep.kind != Tok::kComma) fail(what_ + ": expected ',' or ')' in IN list", input_, sep.pos);
      }
      return;
    }
    const Token& v = next();
    if (numeric) {
      if (v.kind != Tok::kNumber)
        fail(what_ + ": expected a number for " + c.key + ", found '" + v.text + "'", input_, v.pos);
      const char* begin = v.text.data() + (v.text[0] == '+' ? 1 : 0);
      const auto [ptr, ec] = std::from_chars(begin, v.text.data() + v.text.size(), c.number);
      if (ec != std::errc() || ptr != v.text.data() + v.text.size())
        fail(what_ + ": malformed number '" + v.text + "'", input_, v.pos);
      c.numeric = true;
      return;
    }
    if (v.kind != Tok::kSingle && v.kind != Tok::kDouble)
      fail(what_ + ": expected a quoted string for " + c.key + " (e.g. '" + v.text + "'), found '" + v.text + "'",
           input_, v.pos == input_.size() ? pos : v.pos);
    c.text = v.text;
  }

  std::string_view input_;
  SearchKind kind_;
  std::string what_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
};

}  // namespace

std::vector<Clause> parse_filter(std::string_view filter, SearchKind kind) {
  return Parser(filter, kind, "filter").filter();
}

OrderBy parse_order_by(std::string_view order_by, SearchKind kind) {
  return Parser(order_by, kind, "order_by").order_by();
}

const char* sql_operator(Comparator op) {
  switch (op) {
    case Comparator::kEq:
      return "=";
    case Comparator::kNe:
      return "!=";
    case Comparator::kGt:
      return ">";
    case Comparator::kGe:
      return ">=";
    case Comparator::kLt:
      return "<";
    case Comparator::kLe:
      return "<=";
    case Comparator::kLike:
      return "LIKE";
    case Comparator::kILike:
      return "ILIKE";
    case Comparator::kIn:
      return "IN";
    case Comparator::kNotIn:
      return "NOT IN";
    case Comparator::kIsNull:
      return "IS NULL";
    case Comparator::kIsNotNull:
      return "IS NOT NULL";
  }
  return "?";
}

bool is_numeric_attribute(SearchKind kind, std::string_view key) {
  switch (kind) {
    case SearchKind::kRuns:
      return key == "start_time" || key == "end_time";
    case SearchKind::kExperiments:
      return key == "creation_time" || key == "last_update_time";
    case SearchKind::kRegisteredModels:
      return key == "creation_timestamp" || key == "last_updated_timestamp";
    case SearchKind::kModelVersions:
      return key == "version_number" || key == "creation_timestamp" || key == "last_updated_timestamp";
    case SearchKind::kLoggedModels:
      return key == "creation_timestamp" || key == "last_updated_timestamp";
  }
  return false;
}

static constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(std::string_view data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    const uint32_t v = (uint8_t(data[i]) << 16) | (uint8_t(data[i + 1]) << 8) | uint8_t(data[i + 2]);
    out += kBase64[v >> 18];
    out += kBase64[(v >> 12) & 63];
    out += kBase64[(v >> 6) & 63];
    out += kBase64[v & 63];
  }
  if (i < data.size()) {
    uint32_t v = uint8_t(data[i]) << 16;
    if (i + 1 < data.size()) v |= uint8_t(data[i + 1]) << 8;
    out += kBase64[v >> 18];
    out += kBase64[(v >> 12) & 63];
    out += i + 1 < data.size() ? kBase64[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string base64_decode(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=') break;
    const int v = value(c);
    if (v < 0) throw Error::invalid_input("invalid page token: not base64", "pass next_page_token unchanged");
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

int64_t parse_page_token(std::string_view token) {
  if (token.empty()) return 0;
  const std::string decoded = base64_decode(token);
  const auto json = nlohmann::json::parse(decoded, nullptr, false);
  if (json.is_discarded() || !json.is_object() || !json.contains("offset"))
    throw Error::invalid_input("invalid page token '" + std::string(token) + "'", "pass next_page_token unchanged");
  const auto& offset = json["offset"];
  int64_t value = -1;
  if (offset.is_number_integer())
    value = offset.get<int64_t>();
  else if (offset.is_string()) {
    const std::string s = offset.get<std::string>();
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc() || ptr != s.data() + s.size()) value = -1;
  }
  if (value < 0)
    throw Error::invalid_input("invalid page token '" + std::string(token) + "'", "pass next_page_token unchanged");
  return value;
}

std::string make_page_token(int64_t offset) { return base64_encode("{\"offset\": " + std::to_string(offset) + "}"); }

}  // namespace bullion::tracking::search
