// SPDX-License-Identifier: Apache-2.0
#include "core/compute_thread.h"

#include <condition_variable>
#include <deque>
#include <exception>
#include <future>
#include <mutex>
#include <thread>

namespace fasttune {

namespace {

class ComputeThread {
 public:
  ComputeThread() : thread_([this] { Loop(); }) {
    id_ = thread_.get_id();
    thread_.detach();
  }

  void Run(const std::function<void()>& task) {
    if (std::this_thread::get_id() == id_) return task();
    std::packaged_task<void()> packaged(task);
    std::future<void> done = packaged.get_future();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.push_back(&packaged);
    }
    ready_.notify_one();
    done.get();
  }

 private:
  void Loop() {
    for (;;) {
      std::packaged_task<void()>* task = nullptr;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        ready_.wait(lock, [this] { return !queue_.empty(); });
        task = queue_.front();
        queue_.pop_front();
      }
      (*task)();  // stores the task's exception in its future
    }
  }

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::packaged_task<void()>*> queue_;
  std::thread::id id_;
  std::thread thread_;
};

ComputeThread& Instance() {
  // Never destroyed: the thread waits on these members until the process ends.
  static ComputeThread* instance = new ComputeThread();
  return *instance;
}

}  // namespace

void RunOnComputeThread(const std::function<void()>& task) { Instance().Run(task); }

}  // namespace fasttune
