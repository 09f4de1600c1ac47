#include "jobs/copy/csv_scanner.h"

#include <algorithm>
#include <cstring>

namespace ferry {

CsvScanner::CsvScanner(std::istream* in, size_t block_bytes)
    : in_(in), block_bytes_(std::max<size_t>(block_bytes, 16)) {
  buf_.resize(block_bytes_);
}

bool CsvScanner::Refill() {
  if (eof_) return false;
  if (pos_ > 0) {
    std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
    end_ -= pos_;
    pos_ = 0;
  }
  // A record longer than the buffer: grow it (the record must be whole).
  if (end_ == buf_.size()) buf_.resize(buf_.size() * 2);
  in_->read(buf_.data() + end_, static_cast<std::streamsize>(buf_.size() - end_));
  const auto n = static_cast<size_t>(in_->gcount());
  end_ += n;
  if (!*in_) eof_ = true;  // a short read: the end of the file
  return n > 0;
}

Result<bool> CsvScanner::Next() {
  for (;;) {
    if (pos_ == end_) {
      if (eof_) return false;
      Refill();
      continue;
    }
    Status error;
    switch (ScanRecord(&error)) {
      case Scan::kDone:
        return true;
      case Scan::kError:
        return error;
      case Scan::kNeedMore:
        Refill();  // at the end of input the rescan sees eof_ and finishes
        break;
    }
  }
}

CsvScanner::Scan CsvScanner::ScanRecord(Status* error) {
  fields_.clear();
  scratch_.clear();
  scratch_spans_.clear();
  scratch_fields_.clear();
  unquoted_cr_ = unquoted_quote_ = false;
  const char* b = buf_.data();
  size_t p = pos_;
  int64_t newlines = 0;  // inside quoted fields: lines the record spans beyond its first
  size_t raw_end = 0;    // the record's '\n' (or the end of input)
  size_t next = 0;       // where the next record starts
  for (;;) {
    if (p < end_ && b[p] == '"') {
      const size_t start = p + 1;
      size_t q = start;
      bool doubled = false;
      for (;;) {
        const void* hit = q < end_ ? std::memchr(b + q, '"', end_ - q) : nullptr;
        if (hit == nullptr) {
          if (!eof_) return Scan::kNeedMore;
          *error = InvalidArgument("line " + std::to_string(line_ + 1) +
                                   ": a quoted field is never closed");
          return Scan::kError;
        }
        const size_t h = static_cast<size_t>(static_cast<const char*>(hit) - b);
        if (h + 1 == end_ && !eof_) return Scan::kNeedMore;  // "" or the closing quote?
        if (h + 1 < end_ && b[h + 1] == '"') {
          doubled = true;
          q = h + 2;
          continue;
        }
        q = h;
        break;
      }
      newlines += std::count(b + start, b + q, '\n');
      if (doubled) {
        const size_t off = scratch_.size();
        for (size_t i = start; i < q; ++i) {
          scratch_.push_back(b[i]);
          if (b[i] == '"') ++i;  // the second of a pair
        }
        scratch_fields_.push_back(fields_.size());
        scratch_spans_.emplace_back(off, scratch_.size() - off);
        fields_.push_back({std::string_view(), false, true});
      } else {
        fields_.push_back({std::string_view(b + start, q - start), false, true});
      }
      p = q + 1;
      if (p == end_) {
        if (!eof_) return Scan::kNeedMore;
        raw_end = next = end_;
        break;
      }
      if (b[p] == ',') {
        ++p;
        continue;
      }
      if (b[p] == '\n') {
        raw_end = p;
        next = p + 1;
        break;
      }
      if (b[p] == '\r') {
        if (p + 1 == end_ && !eof_) return Scan::kNeedMore;
        if (p + 1 == end_) {
          raw_end = next = end_;
          break;
        }
        if (b[p + 1] == '\n') {
          raw_end = p + 1;
          next = p + 2;
          break;
        }
      }
      *error = InvalidArgument("line " + std::to_string(line_ + 1 + newlines) +
                               ": text after a closing quote (RFC 4180)");
      return Scan::kError;
    }
    // Unquoted: up to ',', '\n' or a CR that ends the line (any other CR is data).
    size_t i = p;
    bool line_end = false;
    for (;; ++i) {
      if (i == end_) {
        if (!eof_) return Scan::kNeedMore;
        raw_end = next = end_;
        line_end = true;
        break;
      }
      const char c = b[i];
      if (c == ',') break;
      if (c == '\n') {
        raw_end = i;
        next = i + 1;
        line_end = true;
        break;
      }
      if (c == '\r') {
        if (i + 1 == end_) {
          if (!eof_) return Scan::kNeedMore;
          raw_end = next = end_;
          line_end = true;
          break;
        }
        if (b[i + 1] == '\n') {
          raw_end = i + 1;
          next = i + 2;
          line_end = true;
          break;
        }
        unquoted_cr_ = true;
      } else if (c == '"') {
        unquoted_quote_ = true;  // not at the field's start: data here
      }
    }
    fields_.push_back({std::string_view(b + p, i - p), i == p, false});
    if (line_end) break;
    p = i + 1;
  }
  for (size_t k = 0; k < scratch_fields_.size(); ++k)
    fields_[scratch_fields_[k]].text =
        std::string_view(scratch_.data() + scratch_spans_[k].first, scratch_spans_[k].second);
  record_line_ = line_ + 1;
  line_ += 1 + newlines;
  raw_ = std::string_view(b + pos_, raw_end - pos_);
  pos_ = next;
  return Scan::kDone;
}

}  // namespace ferry
