#include "bullion/core/error.h"

#include <gtest/gtest.h>

#include <cerrno>

namespace bullion {

TEST(Error, CarriesCategoryMessageAndHint) {
  const Error e = Error::invalid_input("bad value at row 3 of 'x.json'", "fix the value");
  EXPECT_EQ(e.category(), ErrorCategory::kInvalidInput);
  EXPECT_EQ(e.message(), "bad value at row 3 of 'x.json'");
  EXPECT_EQ(e.hint(), "fix the value");
  EXPECT_STREQ(e.what(), "bad value at row 3 of 'x.json'\n  hint: fix the value");
}

TEST(Error, WithoutHintWhatIsTheMessage) { EXPECT_STREQ(Error::conflict("lost the race").what(), "lost the race"); }

TEST(Error, ExitCodesAreDistinctPerCategory) {
  EXPECT_EQ(exit_code(ErrorCategory::kInvalidInput), 3);
  EXPECT_EQ(exit_code(ErrorCategory::kNotFound), 4);
  EXPECT_EQ(exit_code(ErrorCategory::kConflict), 5);
  EXPECT_EQ(exit_code(ErrorCategory::kCorrupt), 6);
  EXPECT_EQ(exit_code(ErrorCategory::kIO), 7);
  EXPECT_EQ(exit_code(ErrorCategory::kUnsupported), 8);
  EXPECT_EQ(exit_code(ErrorCategory::kInternal), 70);
}

TEST(Error, FromErrnoNamesPathAndCategorizes) {
  const Error missing = Error::from_errno("cannot open", "/no/such", ENOENT);
  EXPECT_EQ(missing.category(), ErrorCategory::kNotFound);
  EXPECT_EQ(missing.message(), "cannot open '/no/such': No such file or directory");
  const Error full = Error::from_errno("cannot write", "/x", ENOSPC);
  EXPECT_EQ(full.category(), ErrorCategory::kIO);
  EXPECT_NE(full.hint().find("disk space"), std::string::npos);
}

TEST(Error, AssertThrowsInternalWithLocation) {
  try {
    BULLION_ASSERT(1 + 1 == 3, "arithmetic");
    FAIL() << "no throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), ErrorCategory::kInternal);
    EXPECT_NE(e.message().find("1 + 1 == 3"), std::string::npos);
    EXPECT_NE(e.message().find("error_test.cc"), std::string::npos);
    EXPECT_NE(e.message().find("(arithmetic)"), std::string::npos);
  }
}

}  // namespace bullion
