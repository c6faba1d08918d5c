// bullion/core/thread_pool.h — morsel-driven parallelism.
//
// A fixed pool of worker threads. parallel_for hands out task indices
// (morsels) dynamically to the workers and to the calling thread, so a
// nested parallel_for cannot deadlock: the caller always makes progress.
// Thread-safe; the global pool is sized once (set_global_threads, default
// the number of cores) before first use.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace bullion {

class ThreadPool {
 public:
  // num_threads counts the caller: a pool of 1 runs everything on the caller.
  explicit ThreadPool(size_t num_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  static ThreadPool& global();
  // Sets the global pool's size; call before its first use (e.g. from --threads).
  static void set_global_threads(size_t num_threads);
  static size_t default_threads();

  size_t num_threads() const { return num_threads_; }

  // Runs fn(task, worker) for task in [0, num_tasks), on up to num_threads
  // threads; `worker` is in [0, num_threads) and unique among concurrently
  // running calls of one parallel_for, so it can index per-thread state.
  // Blocks until all tasks finished; rethrows the first exception (remaining
  // tasks are skipped).
  void parallel_for(size_t num_tasks, const std::function<void(size_t task, size_t worker)>& fn);

 private:
  struct Job;
  void worker_loop();

  size_t num_threads_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<std::shared_ptr<Job>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace bullion
