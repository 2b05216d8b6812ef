#include "core/key_file.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace cordon {
namespace {

constexpr size_t kMaxKeyFileBytes = 4096;

Error IoError(const std::string& what, const std::string& path, int error_number) {
  const std::string message = what + " " + path + ": " + std::strerror(error_number);
  if (error_number == ENOENT) return NotFound(message);
  if (error_number == EACCES || error_number == EPERM) return Forbidden(message);
  return Unavailable(message);
}

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int Release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

}  // namespace

Status ReadKeyFile(const std::string& path, std::string_view what,
                   const std::function<Status(std::string_view text)>& parse) {
  const std::string file_name = std::string(what) + " file";
  FileDescriptor file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (file.get() < 0) return IoError("cannot open " + file_name, path, errno);
  struct stat info;
  if (::fstat(file.get(), &info) != 0) return IoError("cannot stat " + file_name, path, errno);
  if (!S_ISREG(info.st_mode)) return Corrupt(file_name + " " + path + " is not a file");
  if ((info.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info.st_mode & 07777));
    return Forbidden(file_name + " " + path + " is accessible by group or others (mode " + mode +
                     "); run: chmod 600 " + path);
  }
  std::string content(kMaxKeyFileBytes + 1, '\0');
  size_t length = 0;
  while (length < content.size()) {
    const ssize_t n = ::read(file.get(), content.data() + length, content.size() - length);
    if (n < 0) {
      if (errno == EINTR) continue;
      sodium_memzero(content.data(), content.size());
      return IoError("cannot read " + file_name, path, errno);
    }
    if (n == 0) break;
    length += static_cast<size_t>(n);
  }
  if (length > kMaxKeyFileBytes) {
    sodium_memzero(content.data(), content.size());
    return Corrupt(file_name + " " + path + " is too large to be a " + std::string(what));
  }
  std::string_view text(content.data(), length);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  Status parsed = parse(text);
  sodium_memzero(content.data(), content.size());
  return parsed;
}

Status WriteNewKeyFile(const std::string& path, std::string_view what, std::string text) {
  const std::string file_name = std::string(what) + " file";
  text += '\n';
  FileDescriptor file(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (file.get() < 0) {
    const int error_number = errno;
    sodium_memzero(text.data(), text.size());
    if (error_number == EEXIST) {
      return Conflict(file_name + " " + path + " already exists; not overwriting it");
    }
    return IoError("cannot create " + file_name, path, error_number);
  }
  size_t written = 0;
  int write_errno = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(file.get(), text.data() + written, text.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      write_errno = errno;
      break;
    }
    written += static_cast<size_t>(n);
  }
  sodium_memzero(text.data(), text.size());
  if (write_errno == 0 && ::fsync(file.get()) != 0) write_errno = errno;
  if (write_errno == 0 && ::close(file.Release()) != 0) write_errno = errno;
  if (write_errno != 0) {
    ::unlink(path.c_str());
    return IoError("cannot write " + file_name, path, write_errno);
  }
  // The new name must be durable too before anything is protected with the key.
  std::filesystem::path directory = std::filesystem::path(path).parent_path();
  if (directory.empty()) directory = ".";
  FileDescriptor dir(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0 || ::fsync(dir.get()) != 0) {
    const int error_number = errno;
    ::unlink(path.c_str());
    return IoError("cannot sync the directory of " + file_name, path, error_number);
  }
  return Status::Ok();
}

}  // namespace cordon
