// A Beast response body that sends one byte range of a file, for asset downloads that resume
// with Range (Beast's file_body always sends the whole file).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/file_posix.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional/optional.hpp>

namespace dwell::sync::net {

struct FileRangeBody {
    struct value_type {
        boost::beast::file_posix file;  // open for reading
        std::uint64_t offset = 0;       // first byte sent
        std::uint64_t length = 0;       // bytes sent from offset

        [[nodiscard]] std::uint64_t size() const { return length; }
    };

    static std::uint64_t size(const value_type& body) { return body.length; }

    class writer {
      public:
        using const_buffers_type = boost::asio::const_buffer;

        template <bool is_request, class Fields>
        writer(boost::beast::http::header<is_request, Fields>&, value_type& body) : m_body(body) {}

        void init(boost::beast::error_code& ec) {
            m_remaining = m_body.length;
            m_body.file.seek(m_body.offset, ec);
        }

        boost::optional<std::pair<const_buffers_type, bool>> get(boost::beast::error_code& ec) {
            if (m_remaining == 0) {
                ec = {};
                return boost::none;
            }
            const auto amount =
                static_cast<std::size_t>(std::min<std::uint64_t>(m_remaining, m_buffer.size()));
            const std::size_t read = m_body.file.read(m_buffer.data(), amount, ec);
            if (ec) return boost::none;
            if (read == 0) {
                // The file shrank after the response promised its length: the connection must end.
                ec = boost::beast::errc::make_error_code(boost::beast::errc::io_error);
                return boost::none;
            }
            m_remaining -= read;
            return std::pair{const_buffers_type{m_buffer.data(), read}, m_remaining > 0};
        }

      private:
        value_type& m_body;
        std::uint64_t m_remaining = 0;
        std::array<char, 64 * 1024> m_buffer{};
    };
};

}  // namespace dwell::sync::net
