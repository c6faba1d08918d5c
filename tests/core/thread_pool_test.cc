#include "bullion/core/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <numeric>
#include <stdexcept>
#include <vector>

namespace bullion {

TEST(ThreadPool, RunsEveryTaskExactlyOnce) {
  ThreadPool pool(4);
  std::vector<std::atomic<int>> hits(1000);
  pool.parallel_for(hits.size(), [&](size_t task, size_t worker) {
    ASSERT_LT(worker, 4u);
    hits[task]++;
  });
  for (auto& h : hits) EXPECT_EQ(h.load(), 1);
}

TEST(ThreadPool, WorkerIndexIsExclusiveSoPerThreadStateIsSafe) {
  ThreadPool pool(3);
  std::vector<int64_t> per_worker(3, 0);  // unsynchronized on purpose
  pool.parallel_for(10000, [&](size_t task, size_t worker) { per_worker[worker] += static_cast<int64_t>(task); });
  EXPECT_EQ(std::accumulate(per_worker.begin(), per_worker.end(), int64_t{0}), 9999LL * 10000 / 2);
}

TEST(ThreadPool, NestedParallelForCompletes) {
  ThreadPool pool(2);
  std::atomic<int> total{0};
  pool.parallel_for(8, [&](size_t, size_t) { pool.parallel_for(8, [&](size_t, size_t) { total++; }); });
  EXPECT_EQ(total.load(), 64);
}

TEST(ThreadPool, RethrowsTheFirstException) {
  ThreadPool pool(4);
  EXPECT_THROW(pool.parallel_for(100,
                                 [](size_t task, size_t) {
                                   if (task == 37) throw std::runtime_error("boom");
                                 }),
               std::runtime_error);
  // The pool is still usable afterwards.
  std::atomic<int> n{0};
  pool.parallel_for(10, [&](size_t, size_t) { n++; });
  EXPECT_EQ(n.load(), 10);
}

TEST(ThreadPool, SingleThreadRunsOnCaller) {
  ThreadPool pool(1);
  std::vector<size_t> order;
  pool.parallel_for(5, [&](size_t task, size_t) { order.push_back(task); });
  EXPECT_EQ(order, (std::vector<size_t>{0, 1, 2, 3, 4}));
}

}  // namespace bullion
