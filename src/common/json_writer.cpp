#include "common/json_writer.h"

#include <fmt/format.h>

#include <boost/json/serialize.hpp>
#include <cmath>

namespace llmctl {
namespace {

void write(const boost::json::value& v, std::string& out, int indent) {
  auto pad = [&](int n) { out.append(static_cast<size_t>(n) * 2, ' '); };
  switch (v.kind()) {
    case boost::json::kind::object: {
      const auto& obj = v.get_object();
      if (obj.empty()) {
        out += "{}";
        return;
      }
      out += "{\n";
      size_t i = 0;
      for (const auto& kv : obj) {
        pad(indent + 1);
        out += boost::json::serialize(boost::json::value(kv.key()));
        out += ": ";
        write(kv.value(), out, indent + 1);
        if (++i < obj.size()) out += ",";
        out += "\n";
      }
      pad(indent);
      out += "}";
      return;
    }
    case boost::json::kind::array: {
      const auto& arr = v.get_array();
      if (arr.empty()) {
        out += "[]";
        return;
      }
      out += "[\n";
      for (size_t i = 0; i < arr.size(); ++i) {
        pad(indent + 1);
        write(arr[i], out, indent + 1);
        if (i + 1 < arr.size()) out += ",";
        out += "\n";
      }
      pad(indent);
      out += "]";
      return;
    }
    case boost::json::kind::double_: {
      // Shortest round-trip decimal ("80", "0.1", "6.601") instead of Boost's "8E1".
      double d = v.get_double();
      if (!std::isfinite(d)) {
        out += "null";
      } else {
        out += fmt::format("{}", d);
      }
      return;
    }
    default:
      out += boost::json::serialize(v);
  }
}

}  // namespace

std::string to_pretty_json(const boost::json::value& v) {
  std::string out;
  write(v, out, 0);
  out += "\n";
  return out;
}

double round_to(double v, int digits) {
  if (!std::isfinite(v)) return v;
  double scale = std::pow(10.0, digits);
  return std::round(v * scale) / scale;
}

}  // namespace llmctl
