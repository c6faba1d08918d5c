#include "generate/chunk_generator.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <new>

#include "bullion/core/error.h"
#include "bullion/core/time.h"

namespace bullion::generate_detail {

namespace {

constexpr uint64_t kChunkStream = 2;
constexpr uint32_t kNoProduct = std::numeric_limits<uint32_t>::max();
constexpr size_t kMaxSessionEvents = 16;

enum DirtFlag : uint8_t {
  kNullCustomer = 1,
  kNullEventType = 2,
  kNullCountry = 4,
  kMessyEventType = 8,
  kMessyCountry = 16,
  kMalformed = 32,
  kLate = 64,
  kDuplicate = 128,
};

// --- Hand-written formatting into a caller-sized buffer: no allocation. ---

constexpr char kHexDigits[] = "0123456789abcdef";

struct DigitPairs {
  char text[200];
  constexpr DigitPairs() : text() {
    for (int i = 0; i < 100; ++i) {
      text[2 * i] = static_cast<char>('0' + i / 10);
      text[2 * i + 1] = static_cast<char>('0' + i % 10);
    }
  }
};
constexpr DigitPairs kDigitPairs;

inline char* put(char* o, std::string_view s) {
  std::memcpy(o, s.data(), s.size());
  return o + s.size();
}
inline char* put2(char* o, uint32_t v) {
  std::memcpy(o, kDigitPairs.text + 2 * v, 2);
  return o + 2;
}
struct HexPairs {
  char text[512];
  constexpr HexPairs() : text() {
    for (int i = 0; i < 256; ++i) {
      text[2 * i] = kHexDigits[i >> 4];
      text[2 * i + 1] = kHexDigits[i & 15];
    }
  }
};
constexpr HexPairs kHexPairs;

// `digits` (even) lower-case hex digits of v, most significant first.
inline char* put_hex(char* o, uint64_t v, int digits) {
  for (int i = digits - 2; i >= 0; i -= 2, v >>= 8) std::memcpy(o + i, kHexPairs.text + 2 * (v & 0xff), 2);
  return o + digits;
}
// A random (version 4) UUID: 8-4-4-4-12 hex digits.
inline char* put_uuid(char* o, uint64_t hi, uint64_t lo) {
  hi = (hi & ~uint64_t{0xf000}) | 0x4000;                  // version 4
  lo = (lo & ~(uint64_t{3} << 62)) | (uint64_t{2} << 62);  // variant 10
  o = put_hex(o, hi >> 32, 8);
  *o++ = '-';
  o = put_hex(o, (hi >> 16) & 0xffff, 4);
  *o++ = '-';
  o = put_hex(o, hi & 0xffff, 4);
  *o++ = '-';
  o = put_hex(o, lo >> 48, 4);
  *o++ = '-';
  return put_hex(o, lo & 0xffffffffffffULL, 12);
}
// v in `width` decimal digits, zero-padded.
inline char* put_padded(char* o, uint64_t v, uint32_t width) {
  uint32_t i = width;
  for (; i >= 2; i -= 2, v /= 100) std::memcpy(o + i - 2, kDigitPairs.text + 2 * (v % 100), 2);
  if (i == 1) o[0] = static_cast<char>('0' + v % 10);
  return o + width;
}
// A string of at most kShortText bytes whose source may be read kShortText
// bytes far: one fixed-size copy instead of a call to memcpy. The output
// buffer has room for it (lines are far shorter than kMaxLineBytes).
constexpr size_t kShortText = 24;
inline char* put_short(char* o, std::string_view s) {
  std::memcpy(o, s.data(), kShortText);
  return o + s.size();
}
// Event type names padded for put_short.
struct TypeTexts {
  char text[kNumEventTypes][kShortText];
  TypeTexts() : text() {
    for (size_t t = 0; t < kNumEventTypes; ++t) {
      const std::string_view name = event_type_name(static_cast<EventType>(t));
      std::memcpy(text[t], name.data(), name.size());
    }
  }
  std::string_view name(EventType t) const { return {text[static_cast<size_t>(t)], event_type_name(t).size()}; }
};
// "HH:MM:SS.mmmZ" for a millisecond of the day.
inline char* put_time_of_day(char* o, uint32_t millis) {
  const uint32_t seconds = millis / 1000;
  o = put2(o, seconds / 3600);
  *o++ = ':';
  o = put2(o, seconds / 60 % 60);
  *o++ = ':';
  o = put2(o, seconds % 60);
  *o++ = '.';
  const uint32_t ms = millis % 1000;
  *o++ = static_cast<char>('0' + ms / 100);
  o = put2(o, ms % 100);
  *o++ = 'Z';
  return o;
}

// An event type as a messy feed writes it: mixed case, padded with spaces
// and/or tabs (tabs JSON-escaped). Sets `tab` if a tab was written, which
// upper(trim(...)) does not remove.
char* put_messy_event_type(char* o, std::string_view name, Rng& rng, bool& tab) {
  char text[32];
  const size_t n = name.size();
  const uint64_t style = rng.below(4);  // 0 lower, 1 Capitalized_Words, 2 rAnDoM, 3 unchanged
  for (size_t i = 0; i < n; ++i) {
    char ch = name[i];
    const bool letter = ch >= 'A' && ch <= 'Z';
    const bool word_start = i == 0 || name[i - 1] == '_';
    bool lower = false;
    if (style == 0) lower = true;
    if (style == 1) lower = !word_start;
    if (style == 2) lower = (rng.next() & 1) != 0;
    if (letter && lower) ch = static_cast<char>(ch - 'A' + 'a');
    text[i] = ch;
  }
  const uint64_t padding = rng.below(3);                  // 0 spaces, 1 tab (and maybe a space), 2 none
  if (padding == 2 && std::string_view(text, n) == name)  // nothing changed: make it lower case
    for (size_t i = 0; i < n; ++i)
      if (text[i] >= 'A' && text[i] <= 'Z') text[i] = static_cast<char>(text[i] - 'A' + 'a');
  size_t lead_spaces = 0, trail_spaces = 0;
  bool lead_tab = false, trail_tab = false;
  if (padding == 0) {
    lead_spaces = rng.below(3);
    trail_spaces = rng.below(3);
    if (lead_spaces + trail_spaces == 0) trail_spaces = 1;
  } else if (padding == 1) {
    const uint64_t where = rng.below(3);
    lead_tab = where != 1;
    trail_tab = where != 0;
    if (rng.chance(0.5)) (lead_tab ? lead_spaces : trail_spaces) = 1;
  }
  tab = lead_tab || trail_tab;
  if (lead_tab) o = put(o, "\\t");
  for (size_t i = 0; i < lead_spaces; ++i) *o++ = ' ';
  o = put(o, std::string_view(text, n));
  for (size_t i = 0; i < trail_spaces; ++i) *o++ = ' ';
  if (trail_tab) o = put(o, "\\t");
  return o;
}

}  // namespace

PageBuffer allocate_page_buffer(size_t bytes) {
  constexpr size_t kHugePage = size_t{2} << 20;
  const size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  PageBuffer buffer(static_cast<char*>(std::aligned_alloc(kHugePage, rounded)));
  if (buffer == nullptr) throw std::bad_alloc();
  ::madvise(buffer.get(), rounded, MADV_HUGEPAGE);  // advice only: failure is harmless
  return buffer;
}

ChunkGenerator::ChunkGenerator(const Plan& plan, std::atomic<uint8_t>* active) : plan_(plan), active_(active) {
  const DirtRates& r = plan.dirt;
  any_dirt_ = r.null_customer > 0 || r.null_event_type > 0 || r.null_country > 0 || r.duplicate > 0 ||
              r.messy_event_type > 0 || r.messy_country > 0 || r.malformed > 0 || r.late > 0;
}

void ChunkGenerator::generate(uint32_t chunk_index, ChunkResult& out) {
  const ChunkSpec& spec = plan_.chunks[chunk_index];
  out.body_size = 0;
  out.body_lines = 0;
  out.delayed.clear();
  out.delayed_lines.clear();
  out.stats = ChunkStats{};
  if (spec.lines == 0) return;

  Rng rng(stream_key(plan_.seed, kChunkStream, chunk_index));
  day_ = spec.day;
  second_begin_ = spec.second_begin;
  second_end_ = spec.second_end;
  lines_left_ = spec.lines;
  cancel_left_ = spec.cancel_lines;
  sessions_ = 0;
  events_.clear();
  collect_customers();

  for (uint32_t customer : cancelling_) cancel_session(customer, rng);
  BULLION_ASSERT(cancel_left_ == 0, "cancel sessions did not fill their reserved lines");
  BULLION_ASSERT(lines_left_ == 0 || !cumulative_.empty(), "lines planned for a day without active customers");
  while (lines_left_ > 0) random_session(pick_customer(rng.uniform()), rng);
  out.stats.churned = cancelling_.size();
  out.stats.sessions = sessions_;
  format(chunk_index, spec, rng, out);
}

void ChunkGenerator::collect_customers() {
  cumulative_.clear();
  active_ids_.clear();
  cancelling_.clear();
  double running = 0;
  const auto& customers = plan_.customers;
  const auto n = static_cast<uint32_t>(customers.size());
  for (uint32_t i = 0; i < n; ++i) {
    const CustomerProfile& c = customers[i];
    const double w = activity(c, day_);
    if (w > 0) {
      running += w;
      cumulative_.push_back(running);
      active_ids_.push_back(i);
    }
    if (c.churn_day == day_ && c.cancel_second >= second_begin_ && c.cancel_second < second_end_)
      cancelling_.push_back(i);
  }
  block_last_.clear();
  for (size_t end = kSearchBlock; end - kSearchBlock < cumulative_.size(); end += kSearchBlock)
    block_last_.push_back(cumulative_[std::min(end, cumulative_.size()) - 1]);
}

uint32_t ChunkGenerator::pick_customer(double u) const {
  // The first customer whose running activity exceeds u * total, as
  // upper_bound over all of cumulative_ finds it — but first over the blocks'
  // last values (small, cache-resident), then inside one block, because a
  // search over the whole array misses the cache on every late step.
  const double target = u * cumulative_.back();
  const auto block =
      static_cast<size_t>(std::upper_bound(block_last_.begin(), block_last_.end(), target) - block_last_.begin());
  const size_t n = cumulative_.size();
  const size_t begin = std::min(block * kSearchBlock, n - 1);
  const size_t end = std::min(begin + kSearchBlock, n);
  const auto i = static_cast<size_t>(std::upper_bound(cumulative_.begin() + static_cast<ptrdiff_t>(begin),
                                                      cumulative_.begin() + static_cast<ptrdiff_t>(end), target) -
                                     cumulative_.begin());
  return active_ids_[std::min(i, n - 1)];
}

uint32_t ChunkGenerator::pick_product(const CustomerProfile& c, Rng& rng) const {
  if (rng.chance(0.5)) return ProductCatalogue::favourite(c, static_cast<uint32_t>(rng.below(kFavouriteProducts)));
  return ProductCatalogue::popular(rng.uniform());
}

void ChunkGenerator::cancel_session(uint32_t customer, Rng& rng) {
  const CustomerProfile& c = plan_.customers[customer];
  SessionEvent events[4];
  size_t n = 0;
  if (c.cancel_events > 1) {
    events[n++] = {EventType::kLogin, kNoProduct};
    if (c.key & 1) events[n++] = {EventType::kPageView, pick_product(c, rng)};
    if (c.key & 2) events[n++] = {EventType::kSupportTicket, kNoProduct};
  }
  events[n++] = {EventType::kCancelSubscription, kNoProduct};
  BULLION_ASSERT(n == c.cancel_events);
  add_session(customer, c.cancel_second, events, n, /*cancel=*/true, rng);
}

void ChunkGenerator::random_session(uint32_t customer, Rng& rng) {
  const CustomerProfile& c = plan_.customers[customer];
  SessionEvent events[kMaxSessionEvents];
  size_t n = 0;
  if (day_ >= c.churn_day) {
    // After cancelling: a rare look back, one or two events.
    if (rng.chance(0.5)) {
      events[n++] = {EventType::kLogin, kNoProduct};
    } else {
      events[n++] = {EventType::kPageView, pick_product(c, rng)};
    }
    if (rng.chance(0.3)) events[n++] = {EventType::kPageView, pick_product(c, rng)};
  } else {
    // Shopping; less of it, and more complaints, as a churn approaches.
    const double t = decline_progress(c, day_);
    if (rng.chance(0.85)) events[n++] = {EventType::kLogin, kNoProduct};
    size_t views = 1;
    while (views < 10 && rng.chance(0.6)) ++views;
    uint32_t product = kNoProduct;
    for (size_t v = 0; v < views; ++v) {
      product = pick_product(c, rng);
      events[n++] = {EventType::kPageView, product};
    }
    if (rng.chance(0.35 * (1.0 - 0.6 * t))) {
      events[n++] = {EventType::kAddToCart, product};
      if (rng.chance(0.5 * (1.0 - 0.7 * t))) events[n++] = {EventType::kPurchase, product};
    }
    if (rng.chance(0.04 + 0.3 * t)) events[n++] = {EventType::kSupportTicket, kNoProduct};
  }
  // The session starts in this chunk's part of the day, following the rhythm.
  const double lo = plan_.rhythm.cdf(second_begin_);
  const double hi = plan_.rhythm.cdf(second_end_);
  const uint32_t second =
      std::clamp(plan_.rhythm.inverse(lo + (hi - lo) * rng.uniform()), second_begin_, second_end_ - 1);
  add_session(customer, second, events, n, /*cancel=*/false, rng);
}

void ChunkGenerator::add_session(uint32_t customer, uint32_t start_second, const SessionEvent* events, size_t n,
                                 bool cancel, Rng& rng) {
  // Events follow each other by 2..90 seconds; the session ends within its day.
  uint32_t offsets[kMaxSessionEvents];
  offsets[0] = 0;
  for (size_t i = 1; i < n; ++i) offsets[i] = offsets[i - 1] + 2000 + static_cast<uint32_t>(rng.below(88'000));
  uint32_t start = start_second * 1000 + static_cast<uint32_t>(rng.below(1000));
  if (start + offsets[n - 1] >= kMillisPerDay) {
    // Move a session that would run past midnight back, to end within the
    // last ten minutes of its day.
    const uint32_t latest = kMillisPerDay - 1 - offsets[n - 1];
    start = latest - static_cast<uint32_t>(rng.below(std::min<uint32_t>(latest, 600'000) + 1));
  }
  const uint64_t session = rng.next();
  size_t added = 0;
  for (size_t i = 0; i < n && lines_left_ > 0; ++i, ++added) {
    --lines_left_;
    if (cancel) --cancel_left_;
    uint8_t dirt = any_dirt_ ? draw_dirt(rng) : 0;
    // A duplicate takes one more line, never one reserved for a cancel event.
    if (dirt & kDuplicate) {
      if (lines_left_ > cancel_left_) {
        --lines_left_;
      } else {
        dirt &= static_cast<uint8_t>(~kDuplicate);
      }
    }
    events_.push_back({session, start + offsets[i], customer, events[i].product, events[i].type, dirt});
  }
  if (added > 0) {
    ++sessions_;
    active_[customer].store(1, std::memory_order_relaxed);
  }
}

uint8_t ChunkGenerator::draw_dirt(Rng& rng) {
  const DirtRates& r = plan_.dirt;
  uint8_t f = 0;
  if (rng.chance(r.null_customer)) f |= kNullCustomer;
  if (rng.chance(r.null_event_type)) f |= kNullEventType;
  if (rng.chance(r.null_country)) f |= kNullCountry;
  if (rng.chance(r.messy_event_type)) f |= kMessyEventType;
  if (rng.chance(r.messy_country)) f |= kMessyCountry;
  if (rng.chance(r.malformed)) f |= kMalformed;
  if (rng.chance(r.late)) f |= kLate;
  // A duplicate is an identical second delivery of a well-formed, on-time line.
  if (rng.chance(r.duplicate)) f = static_cast<uint8_t>((f & ~(kMalformed | kLate)) | kDuplicate);
  return f;
}

namespace {

// Makes a formatted line (ending in '\n' at end[-1]) invalid JSON, in one of
// three ways a broken producer does; returns the new end. `timestamp_at` is
// the offset of the opening quote of the timestamp value.
char* corrupt_line(char* line, char* end, size_t timestamp_at, Rng& rng) {
  const size_t length = static_cast<size_t>(end - line) - 1;
  switch (rng.below(3)) {
    case 0: {  // truncated: the object never closes (cut on a UTF-8 character boundary)
      size_t cut = 1 + rng.below(length - 1);
      while (cut > 1 && (static_cast<unsigned char>(line[cut]) & 0xc0) == 0x80) --cut;
      line[cut] = '\n';
      return line + cut + 1;
    }
    case 1:  // single quotes instead of double quotes
      for (char* p = line; p < end - 1; ++p)
        if (*p == '"') *p = '\'';
      return end;
    default: {  // an unquoted timestamp value
      char* open = line + timestamp_at;
      char* close = open + 25;
      std::memmove(open, open + 1, 24);
      std::memmove(close - 1, close + 1, static_cast<size_t>(end - (close + 1)));
      return end - 2;
    }
  }
}

}  // namespace

void ChunkGenerator::format(uint32_t chunk_index, const ChunkSpec& spec, Rng& rng, ChunkResult& out) {
  constexpr uint64_t kIndexBits = 24;
  BULLION_ASSERT(events_.size() < (uint64_t{1} << kIndexBits), "chunk too large");
  // Events in time order, ties in generation order: an LSD radix sort on the
  // millisecond of the day (27 bits, three stable 9-bit passes) of keys
  // (millis << 24 | index) that start in index order — the order std::sort
  // of the keys gives, at a fraction of its cost.
  const size_t n = events_.size();
  order_.resize(n);
  sort_scratch_.resize(n);
  for (size_t i = 0; i < n; ++i) order_[i] = (uint64_t{events_[i].millis} << kIndexBits) | i;
  static_assert(kMillisPerDay <= (uint32_t{1} << 27));
  for (uint32_t shift = kIndexBits; shift < kIndexBits + 27; shift += 9) {
    uint32_t counts[513] = {};
    for (uint64_t key : order_) ++counts[((key >> shift) & 511) + 1];
    for (size_t b = 1; b < 513; ++b) counts[b] += counts[b - 1];
    for (uint64_t key : order_) sort_scratch_[counts[(key >> shift) & 511]++] = key;
    order_.swap(sort_scratch_);
  }

  // Sized once for the largest chunk, so a buffer is allocated (and its
  // pages first touched) once per run rather than whenever a chunk grows.
  const size_t capacity = plan_.max_chunk_lines * kMaxLineBytes;
  if (out.body_capacity < capacity) {
    out.body = allocate_page_buffer(capacity);
    out.body_capacity = capacity;
  }
  const int32_t epoch_day = plan_.start_date + day_;
  const int64_t day_micros = int64_t{epoch_day} * kMicrosPerDay;
  const std::string date_prefix = format_date(epoch_day) + "T";
  BULLION_ASSERT(date_prefix.size() == 11, "dates are yyyy-MM-dd");
  static const TypeTexts type_texts;
  const auto& countries_table = countries();
  const uint32_t id_width = plan_.customer_id_width;
  ChunkStats& stats = out.stats;

  pending_.clear();
  char* const base = out.body.get();
  char* o = base;
  uint64_t written = 0;

  for (const uint64_t key : order_) {
    const Event& e = events_[key & ((uint64_t{1} << kIndexBits) - 1)];
    const CustomerProfile& customer = plan_.customers[e.customer];
    char* const line = o;
    const bool malformed = (e.dirt & kMalformed) != 0;

    o = put(o, "{\"event_id\":\"");
    const uint64_t hi = rng.next();
    o = put_uuid(o, hi, rng.next());
    o = put(o, "\",\"customer_id\":");
    if (e.dirt & kNullCustomer) {
      o = put(o, "null");
    } else {
      o = put(o, "\"C");
      o = put_padded(o, e.customer, id_width);
      *o++ = '"';
    }
    o = put(o, ",\"event_type\":");
    const std::string_view type_name = type_texts.name(e.type);
    bool messy_type = false, tab = false;
    if (e.dirt & kNullEventType) {
      o = put(o, "null");
    } else {
      *o++ = '"';
      if (e.dirt & kMessyEventType) {
        o = put_messy_event_type(o, type_name, rng, tab);
        messy_type = true;
      } else {
        o = put_short(o, type_name);
      }
      *o++ = '"';
    }
    o = put(o, ",\"event_timestamp\":");
    const auto timestamp_at = static_cast<size_t>(o - line);
    *o++ = '"';
    std::memcpy(o, date_prefix.data(), 11);
    o += 11;
    o = put_time_of_day(o, e.millis);
    *o++ = '"';
    o = put(o, ",\"country\":");
    const Country& country = countries_table[customer.country];
    bool messy_country = false, non_ascii = false;
    if (e.dirt & kNullCountry) {
      o = put(o, "null");
    } else {
      *o++ = '"';
      if (e.dirt & kMessyCountry) {
        messy_country = true;
        if (rng.chance(0.5)) {
          o = put(o, country.lower_code);
        } else {
          o = put(o, country.local_name);
          non_ascii = country.local_is_non_ascii;
        }
      } else {
        std::memcpy(o, country.code.data(), 2);
        o += 2;
      }
      *o++ = '"';
    }
    o = put(o, ",\"product_id\":");
    if (e.product == kNoProduct) {
      o = put(o, "null");
    } else {
      *o++ = '"';
      o = put_short(o, plan_.products.id(e.product));
      *o++ = '"';
    }
    o = put(o, ",\"session_id\":\"");
    o = put_hex(o, e.session, 16);
    o = put(o, "\"}\n");
    BULLION_ASSERT(static_cast<size_t>(o - line) <= kMaxLineBytes, "line longer than kMaxLineBytes");

    // What was written, counted once per event.
    ++stats.events_by_type[static_cast<size_t>(e.type)];
    const int64_t micros = day_micros + int64_t{e.millis} * 1000;
    stats.first_micros = std::min(stats.first_micros, micros);
    stats.last_micros = std::max(stats.last_micros, micros);
    if (malformed) {
      o = corrupt_line(line, o, timestamp_at, rng);
      ++stats.dirt.malformed;
    } else {
      stats.dirt.null_customer += (e.dirt & kNullCustomer) != 0;
      stats.dirt.null_event_type += (e.dirt & kNullEventType) != 0;
      stats.dirt.null_country += (e.dirt & kNullCountry) != 0;
      stats.dirt.messy_event_type += messy_type;
      stats.dirt.tab_padded_event_type += tab;
      stats.dirt.messy_country += messy_country;
      stats.dirt.non_ascii_country += non_ascii;
    }
    const auto length = static_cast<uint32_t>(o - line);

    if (e.dirt & kLate) {
      // Delivered 1..7 days after its time: moved to a later chunk's place.
      const uint32_t target = plan_.chunk_of_day(int64_t{day_} + 1 + static_cast<int64_t>(rng.below(7)));
      if (target > chunk_index) {
        out.delayed_lines.push_back({target, static_cast<uint32_t>(out.delayed.size()), length});
        out.delayed.append(line, length);
        o = line;
        ++stats.dirt.late;
      } else {
        ++written;
      }
    } else {
      ++written;
    }
    if (e.dirt & kDuplicate) {
      // Delivered twice: mostly a little later in the same batch, sometimes
      // with a batch 1..3 days later.
      ++stats.dirt.duplicate;
      uint32_t target = chunk_index;
      if (rng.chance(0.3)) target = plan_.chunk_of_day(int64_t{day_} + 1 + static_cast<int64_t>(rng.below(3)));
      if (target > chunk_index) {
        out.delayed_lines.push_back({target, static_cast<uint32_t>(out.delayed.size()), length});
        out.delayed.append(line, length);
      } else {
        pending_.push_back({written + rng.below(50), static_cast<uint32_t>(line - base), length});
      }
    }
    // Emit same-batch duplicates whose time has come.
    for (size_t i = 0; i < pending_.size();) {
      if (pending_[i].due > written) {
        ++i;
        continue;
      }
      std::memcpy(o, base + pending_[i].offset, pending_[i].length);
      o += pending_[i].length;
      ++written;
      pending_[i] = pending_.back();
      pending_.pop_back();
    }
  }
  for (const PendingDuplicate& p : pending_) {
    std::memcpy(o, base + p.offset, p.length);
    o += p.length;
    ++written;
  }
  out.body_size = static_cast<size_t>(o - base);
  out.body_lines = written;
  stats.lines = written + out.delayed_lines.size();
  BULLION_ASSERT(stats.lines == spec.lines, "chunk produced a different number of lines than planned");
}

}  // namespace bullion::generate_detail
