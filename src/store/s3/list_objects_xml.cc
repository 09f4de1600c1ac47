#include "store/s3/list_objects_xml.h"

#include <cstdint>
#include <functional>

namespace ferry {
namespace {

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

Status BadXml(const std::string& why) { return IOError("malformed XML from the server: " + why); }

// Strips a namespace prefix: "s3:Key" -> "Key".
std::string_view LocalName(std::string_view name) {
  size_t colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

// Calls on_element(path, text) for every closed element whose content is
// text only. `path` holds the names of the open elements, outermost first,
// including the element itself.
Status ScanXml(std::string_view xml,
               const std::function<Status(const std::vector<std::string>&, std::string)>& on_element) {
  std::vector<std::string> path;
  std::string text;       // decoded text of the innermost open element
  bool has_child = false;  // innermost element contains elements: not a leaf
  size_t i = 0;
  while (i < xml.size()) {
    if (xml[i] != '<') {
      size_t end = xml.find('<', i);
      if (end == std::string_view::npos) end = xml.size();
      std::string_view raw = xml.substr(i, end - i);
      if (path.empty()) {
        for (char c : raw) {
          if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return BadXml("text outside the root element");
        }
      } else {
        FERRY_ASSIGN_OR_RETURN(std::string decoded, DecodeXmlText(raw));
        text += decoded;
      }
      i = end;
      continue;
    }
    std::string_view rest = xml.substr(i);
    if (rest.substr(0, 4) == "<!--") {
      size_t end = xml.find("-->", i + 4);
      if (end == std::string_view::npos) return BadXml("unterminated comment");
      i = end + 3;
      continue;
    }
    if (rest.substr(0, 9) == "<![CDATA[") {
      size_t end = xml.find("]]>", i + 9);
      if (end == std::string_view::npos) return BadXml("unterminated CDATA section");
      if (path.empty()) return BadXml("CDATA outside the root element");
      text.append(xml.substr(i + 9, end - i - 9));
      i = end + 3;
      continue;
    }
    if (rest.substr(0, 2) == "<?" || rest.substr(0, 2) == "<!") {
      size_t end = xml.find('>', i);
      if (end == std::string_view::npos) return BadXml("unterminated declaration");
      i = end + 1;
      continue;
    }
    // A tag. Attribute values may contain '>' only inside quotes.
    size_t j = i + 1;
    char quote = 0;
    while (j < xml.size() && (quote != 0 || xml[j] != '>')) {
      if (quote != 0 && xml[j] == quote) {
        quote = 0;
      } else if (quote == 0 && (xml[j] == '"' || xml[j] == '\'')) {
        quote = xml[j];
      }
      ++j;
    }
    if (j >= xml.size()) return BadXml("unterminated tag");
    std::string_view tag = xml.substr(i + 1, j - i - 1);
    i = j + 1;
    bool closing = !tag.empty() && tag.front() == '/';
    bool self_closing = !tag.empty() && tag.back() == '/';
    if (closing) tag.remove_prefix(1);
    if (self_closing) tag.remove_suffix(1);
    size_t name_end = tag.find_first_of(" \t\r\n");
    std::string name(LocalName(tag.substr(0, name_end)));
    if (name.empty()) return BadXml("empty tag name");
    if (closing) {
      if (path.empty() || path.back() != name) {
        return BadXml("closing tag </" + name + "> does not match " +
                      (path.empty() ? std::string("anything") : "<" + path.back() + ">"));
      }
      if (!has_child) FERRY_RETURN_IF_ERROR(on_element(path, std::move(text)));
      path.pop_back();
      text.clear();
      has_child = true;  // the parent now has an element child
      continue;
    }
    if (path.empty() && !text.empty()) return BadXml("text before the root element");
    path.push_back(name);
    text.clear();
    has_child = false;
    if (self_closing) {
      FERRY_RETURN_IF_ERROR(on_element(path, std::string()));
      path.pop_back();
      has_child = true;
    }
  }
  if (!path.empty()) return BadXml("truncated: <" + path.back() + "> is never closed");
  return Status::OK();
}

}  // namespace

Result<std::string> DecodeXmlText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out.push_back(text[i]);
      continue;
    }
    size_t semi = text.find(';', i);
    if (semi == std::string_view::npos || semi - i > 12) {
      return BadXml("unterminated entity near \"" + std::string(text.substr(i, 12)) + "\"");
    }
    std::string_view ent = text.substr(i + 1, semi - i - 1);
    if (ent == "amp") {
      out.push_back('&');
    } else if (ent == "lt") {
      out.push_back('<');
    } else if (ent == "gt") {
      out.push_back('>');
    } else if (ent == "quot") {
      out.push_back('"');
    } else if (ent == "apos") {
      out.push_back('\'');
    } else if (ent.size() >= 2 && ent[0] == '#') {
      bool hex = ent[1] == 'x' || ent[1] == 'X';
      std::string_view digits = ent.substr(hex ? 2 : 1);
      if (digits.empty()) return BadXml("empty character reference &" + std::string(ent) + ";");
      uint32_t cp = 0;
      for (char c : digits) {
        int v;
        if (c >= '0' && c <= '9') {
          v = c - '0';
        } else if (hex && c >= 'a' && c <= 'f') {
          v = c - 'a' + 10;
        } else if (hex && c >= 'A' && c <= 'F') {
          v = c - 'A' + 10;
        } else {
          return BadXml("bad character reference &" + std::string(ent) + ";");
        }
        cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(v);
        if (cp > 0x10FFFF) return BadXml("character reference out of range &" + std::string(ent) + ";");
      }
      if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return BadXml("invalid character reference &" + std::string(ent) + ";");
      }
      AppendUtf8(cp, &out);
    } else {
      return BadXml("unknown entity &" + std::string(ent) + ";");
    }
    i = semi;
  }
  return out;
}

Result<ListObjectsPage> ParseListObjectsV2(std::string_view xml) {
  ListObjectsPage page;
  bool saw_root = false;
  bool saw_truncated = false;
  std::string root_name;
  Status st = ScanXml(xml, [&](const std::vector<std::string>& path, std::string text) -> Status {
    root_name = path.front();
    if (path.front() != "ListBucketResult") return Status::OK();
    saw_root = true;
    if (path.size() == 3 && path[1] == "Contents" && path[2] == "Key") {
      page.keys.push_back(std::move(text));
    } else if (path.size() == 2 && path[1] == "IsTruncated") {
      if (text != "true" && text != "false") return BadXml("IsTruncated is \"" + text + "\"");
      page.is_truncated = text == "true";
      saw_truncated = true;
    } else if (path.size() == 2 && path[1] == "NextContinuationToken") {
      page.next_continuation_token = std::move(text);
    }
    return Status::OK();
  });
  FERRY_RETURN_IF_ERROR(st);
  if (!saw_root) {
    return BadXml("expected <ListBucketResult>" +
                  (root_name.empty() ? std::string() : ", got <" + root_name + ">"));
  }
  if (!saw_truncated) return BadXml("ListBucketResult without IsTruncated");
  if (page.is_truncated && page.next_continuation_token.empty()) {
    return BadXml("IsTruncated=true without NextContinuationToken");
  }
  return page;
}

std::string ParseS3ErrorSummary(std::string_view xml) {
  std::string code;
  std::string message;
  Status st = ScanXml(xml, [&](const std::vector<std::string>& path, std::string text) -> Status {
    if (path.size() == 2 && path[0] == "Error") {
      if (path[1] == "Code") code = std::move(text);
      if (path[1] == "Message") message = std::move(text);
    }
    return Status::OK();
  });
  if (!st.ok() || code.empty()) return "";
  return message.empty() ? code : code + ": " + message;
}

}  // namespace ferry
