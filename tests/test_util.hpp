// Small helpers shared by the test binaries.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace stockwire::test {

/// A fresh directory under $TMPDIR, removed with everything in it.
class temp_dir {
public:
  temp_dir() {
    auto base = std::filesystem::temp_directory_path();
    std::string tmpl = (base / "stockwire-test-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr)
      std::abort();
    path_ = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::string& path() const { return path_; }

private:
  std::string path_;
};

} // namespace stockwire::test
