#include "src/persistence/aof_dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tessera::persistence {
namespace {

constexpr const char* kTempBasePrefix = "temp-rewriteaof-";

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

bool IsRegularFile(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

uint64_t FileSize(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix.data(), suffix.size()) == 0;
}

}  // namespace

AofDir::AofDir(std::string path, std::string appendfilename)
    : path_(std::move(path)),
      appendfilename_(std::move(appendfilename)),
      manifest_name_(appendfilename_ + ".manifest") {}

AofDir::~AofDir() = default;

std::string AofDir::BaseName(int64_t seq, bool rdb) const {
  return appendfilename_ + "." + std::to_string(seq) + (rdb ? ".base.rdb" : ".base.aof");
}

std::string AofDir::IncrName(int64_t seq) const {
  return appendfilename_ + "." + std::to_string(seq) + ".incr.aof";
}

std::string AofDir::TempBasePath() const { return path_ + "/" + kTempBasePrefix + appendfilename_; }

bool AofDir::Persist(const AofManifest& m, std::string* error) {
  return WriteAofManifestFile(path_, manifest_name_, m, error);
}

bool AofDir::NameInManifest(const std::string& name) const {
  if (manifest_.base && manifest_.base->name == name) return true;
  for (const AofFileInfo& f : manifest_.history) {
    if (f.name == name) return true;
  }
  for (const AofFileInfo& f : manifest_.incrs) {
    if (f.name == name) return true;
  }
  return false;
}

std::unique_ptr<AofDir> AofDir::Open(const std::string& dir, const std::string& appenddirname,
                                     const std::string& appendfilename, std::string* error) {
  if (appendfilename.empty() || appendfilename.find('/') != std::string::npos ||
      appenddirname.empty() || appenddirname.find('/') != std::string::npos) {
    *error = "appendfilename and appenddirname must be plain names";
    return nullptr;
  }
  const std::string path = dir + "/" + appenddirname;
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
    *error = Errno("Can't create the append-only dir " + path);
    return nullptr;
  }
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    *error = "The append-only dir " + path + " is not a directory";
    return nullptr;
  }
  std::unique_ptr<AofDir> d(new AofDir(path, appendfilename));

  bool missing = false;
  std::string read_error;
  if (!ReadAofManifestFile(d->manifest_path(), &d->manifest_, &missing, &read_error)) {
    if (!missing) {
      *error = read_error;
      return nullptr;
    }
    d->manifest_ = AofManifest{};
  }

  // Upgrade from a pre-7.0 single AOF in `dir`: manifest naming it as base first, then the
  // rename. Also finishes an upgrade that crashed between the two: a manifest whose only entry
  // is a base called exactly `appendfilename`, missing inside the directory.
  const std::string old_path = dir + "/" + appendfilename;
  const std::string new_path = path + "/" + appendfilename;
  const bool only_old_base = d->manifest_.base && d->manifest_.base->name == appendfilename &&
                             d->manifest_.incrs.empty() && d->manifest_.history.empty();
  if ((d->manifest_.empty() || (only_old_base && !IsRegularFile(new_path))) &&
      IsRegularFile(old_path)) {
    AofManifest m;
    m.base = AofFileInfo{appendfilename, 1, AofFileType::kBase};
    if (!d->Persist(m, error)) return nullptr;
    d->manifest_ = std::move(m);
    if (::rename(old_path.c_str(), new_path.c_str()) != 0) {
      *error = Errno("Can't move " + old_path + " into " + path);
      return nullptr;
    }
    if (!FsyncDirectory(path, error) || !FsyncDirectory(dir, error)) return nullptr;
    d->upgraded_ = true;
  }

  // Leftovers of a rewrite or manifest write that did not finish. Only names we create.
  if (DIR* dp = ::opendir(path.c_str())) {
    const std::string temp_manifest = "temp-" + d->manifest_name_;
    const std::string temp_base = std::string(kTempBasePrefix) + appendfilename;
    std::vector<std::string> stale;
    while (struct dirent* e = ::readdir(dp)) {
      std::string name = e->d_name;
      if (name == temp_manifest || name == temp_base) stale.push_back(std::move(name));
    }
    ::closedir(dp);
    for (const std::string& name : stale) ::unlink((path + "/" + name).c_str());
  }

  if (!d->manifest_.history.empty()) d->DeleteHistory();

  auto check = [&](const AofFileInfo& f) {
    if (IsRegularFile(path + "/" + f.name)) return true;
    // Redis's startup message for the same condition.
    *error = "Unable to obtain the AOF file " + f.name + " length. stat: " + std::strerror(ENOENT);
    return false;
  };
  if (d->manifest_.base && !check(*d->manifest_.base)) return nullptr;
  for (const AofFileInfo& f : d->manifest_.incrs) {
    if (!check(f)) return nullptr;
  }
  return d;
}

std::vector<AofLoadFile> AofDir::FilesToLoad() const {
  std::vector<AofLoadFile> files;
  if (manifest_.base) {
    const AofFileInfo& b = *manifest_.base;
    files.push_back({path_ + "/" + b.name, b.name, AofFileType::kBase, EndsWith(b.name, ".rdb")});
  }
  for (const AofFileInfo& f : manifest_.incrs) {
    files.push_back({path_ + "/" + f.name, f.name, AofFileType::kIncr, false});
  }
  return files;
}

int AofDir::StartIncr(std::string* error) {
  int64_t seq = manifest_.NextIncrSeq();
  while (NameInManifest(IncrName(seq))) ++seq;  // a stray history entry; never reuse its name
  const std::string name = IncrName(seq);
  const std::string file_path = path_ + "/" + name;
  // O_TRUNC: a file by this name that the manifest does not list is an orphan of a crash
  // between creating it and persisting the manifest, so nothing acknowledged is in it.
  int fd = ::open(file_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = Errno("Can't open the append-only file " + name);
    return -1;
  }
  AofManifest next = manifest_;
  next.incrs.push_back(AofFileInfo{name, seq, AofFileType::kIncr});
  if (::fsync(fd) != 0) {
    *error = Errno("Can't fsync the append-only file " + name);
  } else if (FsyncDirectory(path_, error) && Persist(next, error)) {
    manifest_ = std::move(next);
    return fd;
  }
  ::close(fd);
  ::unlink(file_path.c_str());
  return -1;
}

int AofDir::OpenLastIncr(uint64_t* size, std::string* error) {
  if (manifest_.incrs.empty()) {
    *size = 0;
    return StartIncr(error);
  }
  const std::string& name = manifest_.incrs.back().name;
  int fd = ::open((path_ + "/" + name).c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) {
    *error = Errno("Can't open the append-only file " + name);
    return -1;
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    *error = Errno("Can't stat the append-only file " + name);
    ::close(fd);
    return -1;
  }
  *size = static_cast<uint64_t>(st.st_size);
  return fd;
}

bool AofDir::BeginRewrite(RewriteStart* out, std::string* error) {
  if (rewrite_in_progress()) {
    *error = "Background append only file rewriting already in progress";
    return false;
  }
  int fd = StartIncr(error);
  if (fd < 0) return false;
  rewrite_incr_seq_ = manifest_.incrs.back().seq;
  out->temp_base_path = TempBasePath();
  out->incr_fd = fd;
  ::unlink(out->temp_base_path.c_str());
  return true;
}

bool AofDir::CommitRewrite(bool base_is_rdb, std::string* error) {
  if (!rewrite_in_progress()) {
    *error = "No append only file rewrite in progress";
    return false;
  }
  const std::string temp = TempBasePath();
  const int64_t split_seq = rewrite_incr_seq_;
  rewrite_incr_seq_ = 0;
  if (!FsyncPath(temp, error)) {
    ::unlink(temp.c_str());
    return false;
  }
  int64_t seq = manifest_.NextBaseSeq();
  while (NameInManifest(BaseName(seq, base_is_rdb))) ++seq;
  AofFileInfo base{BaseName(seq, base_is_rdb), seq, AofFileType::kBase};
  const std::string base_path = path_ + "/" + base.name;
  if (::rename(temp.c_str(), base_path.c_str()) != 0) {
    *error = Errno("Can't rename the temp append-only file to " + base.name);
    ::unlink(temp.c_str());
    return false;
  }
  if (!FsyncDirectory(path_, error)) {
    ::unlink(base_path.c_str());
    return false;
  }

  AofManifest next;
  next.base = base;
  next.history = manifest_.history;
  if (manifest_.base) {
    next.history.push_back(*manifest_.base);
    next.history.back().type = AofFileType::kHistory;
  }
  for (const AofFileInfo& f : manifest_.incrs) {
    if (f.seq < split_seq) {
      next.history.push_back(f);
      next.history.back().type = AofFileType::kHistory;
    } else {
      next.incrs.push_back(f);
    }
  }
  if (!Persist(next, error)) {
    // The old manifest is still the one on disk (the rename inside Persist is atomic), so the
    // new base is an orphan; remove it as Redis does.
    ::unlink(base_path.c_str());
    return false;
  }
  manifest_ = std::move(next);
  DeleteHistory();
  return true;
}

void AofDir::AbortRewrite() {
  if (!rewrite_in_progress()) return;
  rewrite_incr_seq_ = 0;
  ::unlink(TempBasePath().c_str());
}

void AofDir::DeleteHistory() {
  bool all_gone = true;
  for (const AofFileInfo& f : manifest_.history) {
    if (::unlink((path_ + "/" + f.name).c_str()) != 0 && errno != ENOENT) all_gone = false;
  }
  if (!all_gone) return;
  std::string ignored;
  if (!FsyncDirectory(path_, &ignored)) return;
  AofManifest next = manifest_;
  next.history.clear();
  if (Persist(next, &ignored)) manifest_ = std::move(next);
}

AofDiskSizes AofDir::DiskSizes() const {
  AofDiskSizes sizes;
  if (manifest_.base) sizes.base = FileSize(path_ + "/" + manifest_.base->name);
  sizes.total = sizes.base;
  for (const AofFileInfo& f : manifest_.incrs) sizes.total += FileSize(path_ + "/" + f.name);
  return sizes;
}

bool TruncateTo(const std::string& path, uint64_t size, std::string* error) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = Errno("Can't open " + path);
    return false;
  }
  bool ok = ::ftruncate(fd, static_cast<off_t>(size)) == 0;
  if (!ok) {
    *error = Errno("Can't truncate " + path);
  } else if (::fsync(fd) != 0) {
    ok = false;
    *error = Errno("Can't fsync " + path);
  }
  ::close(fd);
  return ok;
}

}  // namespace tessera::persistence
