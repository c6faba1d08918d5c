#include "bullion/formats/json/line_reader.h"

#include <gtest/gtest.h>

#include <vector>

#include "json_test_support.h"
#include "support/temp_dir.h"

namespace bullion::json {
namespace {

using bullion::testing::TempDir;
using bullion::testing::write_file;

struct Read {
  std::vector<Line> lines;
  std::vector<std::string> texts;
  std::optional<Error> error;
};

Read read_lines(const std::string& data, LineReader::Options options = {}, const std::string& name = "f.json") {
  TempDir dir;
  write_file(dir.file(name), data);
  auto src = CompressedReader::open(FileSystem::local(), dir.file(name), {4096});
  LineReader reader(*src, options);
  Read out;
  Line line;
  try {
    while (reader.next(line)) {
      // Padding after every line is readable.
      volatile char last = line.text.data()[line.text.size() + kLinePadding - 1];
      (void)last;
      out.lines.push_back(line);
      out.texts.emplace_back(line.text);
    }
  } catch (const Error& e) {
    out.error = e;
  }
  return out;
}

TEST(NdjsonLineReader, SplitsLfAndCrlfAndKeepsNumbersAndOffsets) {
  auto r = read_lines("{\"a\":1}\r\n\r\n  \n{\"b\":2}\n{\"c\":3}");
  ASSERT_EQ(r.texts, (std::vector<std::string>{"{\"a\":1}", "", "  ", "{\"b\":2}", "{\"c\":3}"}));
  EXPECT_EQ(r.lines[0].number, 1);
  EXPECT_EQ(r.lines[4].number, 5);
  EXPECT_EQ(r.lines[3].offset, 14u);
  EXPECT_TRUE(LineReader::is_blank(r.texts[1]));
  EXPECT_TRUE(LineReader::is_blank(r.texts[2]));
  EXPECT_FALSE(LineReader::is_blank(r.texts[0]));
  EXPECT_FALSE(r.error);
}

TEST(NdjsonLineReader, DropsTheBomOfTheFirstLineOnly) {
  auto r = read_lines("\xEF\xBB\xBF{\"a\":1}\n\xEF\xBB\xBF{\"b\":2}\n");
  ASSERT_EQ(r.texts.size(), 2u);
  EXPECT_EQ(r.texts[0], "{\"a\":1}");
  EXPECT_EQ(r.texts[1], "\xEF\xBB\xBF{\"b\":2}");  // a BOM elsewhere is data (and malformed JSON)
}

TEST(NdjsonLineReader, EmptyStreamAndFinalNewline) {
  EXPECT_TRUE(read_lines("").texts.empty());
  EXPECT_EQ(read_lines("\n").texts, (std::vector<std::string>{""}));
  EXPECT_EQ(read_lines("x\n").texts, (std::vector<std::string>{"x"}));
  EXPECT_EQ(read_lines("x").texts, (std::vector<std::string>{"x"}));
}

TEST(NdjsonLineReader, LinesLongerThanTheBlockGrowTheBuffer) {
  const std::string big(300000, 'x');
  LineReader::Options o;
  o.block_bytes = 4096;
  auto r = read_lines("a\n" + big + "\nb\n", o);
  ASSERT_EQ(r.texts.size(), 3u);
  EXPECT_EQ(r.texts[1], big);
  EXPECT_EQ(r.lines[2].number, 3);
  EXPECT_EQ(r.texts[2], "b");
}

TEST(NdjsonLineReader, LinesBeyondTheLimitAreCutAndFlagged) {
  LineReader::Options o;
  o.block_bytes = 4096;
  o.max_line_bytes = 10000;
  const std::string big(50000, 'y');
  auto r = read_lines("a\n" + big + "\nb\n" + big, o);
  ASSERT_EQ(r.texts.size(), 4u);
  EXPECT_TRUE(r.lines[1].truncated);
  EXPECT_EQ(r.texts[1].size(), 10000u);
  EXPECT_EQ(r.texts[2], "b");
  EXPECT_EQ(r.lines[2].number, 3);
  EXPECT_TRUE(r.lines[3].truncated);
  EXPECT_EQ(r.lines[3].number, 4);
}

TEST(NdjsonLineReader, SkipFirstLineStartsAtTheNextLine) {
  LineReader::Options o;
  o.skip_first_line = true;
  auto r = read_lines("partial\nfirst\nsecond", o);
  EXPECT_EQ(r.texts, (std::vector<std::string>{"first", "second"}));
  EXPECT_EQ(r.lines[0].offset, 8u);
}

TEST(NdjsonLineReader, DamagedSourceGivesCompleteLinesThenTheIncompleteOneThenTheError) {
  std::string text;
  for (int i = 0; i < 5000; ++i)
    text += "{\"line\":" + std::to_string(i + 1) + ",\"pad\":\"abcdefghijklmnopqrstuvwxyz\"}\n";
  const std::string z = bullion::testing::gzip(text);
  auto r = read_lines(z.substr(0, z.size() * 2 / 3), {}, "t.json.gz");
  ASSERT_TRUE(r.error.has_value());
  EXPECT_EQ(r.error->category(), ErrorCategory::kCorrupt);
  ASSERT_GT(r.lines.size(), 100u);
  for (size_t i = 0; i + 1 < r.lines.size(); ++i) {
    ASSERT_FALSE(r.lines[i].incomplete);
    ASSERT_EQ(r.texts[i], "{\"line\":" + std::to_string(i + 1) + ",\"pad\":\"abcdefghijklmnopqrstuvwxyz\"}");
  }
  // The bytes after the last LF (if any) come flagged as incomplete.
  const Line& last = r.lines.back();
  if (last.incomplete) {
    const std::string full = "{\"line\":" + std::to_string(last.number) + ",\"pad\":\"abcdefghijklmnopqrstuvwxyz\"}";
    EXPECT_EQ(full.substr(0, r.texts.back().size()), r.texts.back());
  }
}

}  // namespace
}  // namespace bullion::json
