#include "bullion/core/thread_pool.h"

#include <atomic>
#include <exception>

namespace bullion {

struct ThreadPool::Job {
  const std::function<void(size_t, size_t)>* fn;
  size_t num_tasks;
  size_t max_workers;
  std::atomic<size_t> next_task{0};
  std::atomic<size_t> next_worker{0};
  std::atomic<bool> failed{false};
  std::mutex mutex;
  std::condition_variable done_cv;
  size_t active = 0;  // threads inside run(), guarded by mutex
  std::exception_ptr error;

  // Runs tasks until none are left. Returns false if no worker slot was free.
  bool run() {
    const size_t worker = next_worker.fetch_add(1);
    if (worker >= max_workers) return false;
    {
      std::lock_guard lock(mutex);
      ++active;
    }
    for (;;) {
      const size_t task = next_task.fetch_add(1);
      if (task >= num_tasks || failed.load(std::memory_order_relaxed)) break;
      try {
        (*fn)(task, worker);
      } catch (...) {
        std::lock_guard lock(mutex);
        if (!error) error = std::current_exception();
        failed = true;
      }
    }
    std::lock_guard lock(mutex);
    if (--active == 0) done_cv.notify_all();
    return true;
  }
};

ThreadPool::ThreadPool(size_t num_threads) : num_threads_(num_threads == 0 ? 1 : num_threads) {
  for (size_t i = 1; i < num_threads_; ++i) threads_.emplace_back([this] { worker_loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
}

namespace {
size_t g_requested_threads = 0;
}

size_t ThreadPool::default_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

void ThreadPool::set_global_threads(size_t num_threads) { g_requested_threads = num_threads; }

ThreadPool& ThreadPool::global() {
  static ThreadPool pool(g_requested_threads != 0 ? g_requested_threads : default_threads());
  return pool;
}

void ThreadPool::worker_loop() {
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = jobs_.back();
    }
    if (!job->run()) {
      // Every worker slot of this job is taken: retire it from the queue.
      std::lock_guard lock(mutex_);
      std::erase(jobs_, job);
    }
  }
}

void ThreadPool::parallel_for(size_t num_tasks, const std::function<void(size_t, size_t)>& fn) {
  if (num_tasks == 0) return;
  const size_t workers = std::min(num_threads_, num_tasks);
  if (workers == 1) {
    for (size_t t = 0; t < num_tasks; ++t) fn(t, 0);
    return;
  }
  auto job = std::make_shared<Job>();
  job->fn = &fn;
  job->num_tasks = num_tasks;
  job->max_workers = workers;
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(job);
  }
  wake_.notify_all();
  job->run();
  {
    std::lock_guard lock(mutex_);
    std::erase(jobs_, job);
  }
  // Workers that claimed a slot finish their current task before we return.
  std::unique_lock lock(job->mutex);
  job->done_cv.wait(lock, [&] { return job->active == 0; });
  if (job->error) std::rethrow_exception(job->error);
}

}  // namespace bullion
