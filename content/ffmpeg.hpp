// FFmpeg glue shared by everything in dwell that reads media (the probe, the player's decoders):
// owning handles, the one translation of AVERROR codes into Errors, and opening a local file the
// safe way.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/buffer.h>
#include <libavutil/dict.h>
#include <libavutil/frame.h>
}

#include "config/error.hpp"

namespace dwell::content::av {

struct FormatContextCloser {
    void operator()(AVFormatContext* context) const { avformat_close_input(&context); }
};
using FormatContext = std::unique_ptr<AVFormatContext, FormatContextCloser>;

struct CodecContextFreer {
    void operator()(AVCodecContext* context) const { avcodec_free_context(&context); }
};
using CodecContext = std::unique_ptr<AVCodecContext, CodecContextFreer>;

struct PacketFreer {
    void operator()(AVPacket* packet) const { av_packet_free(&packet); }
};
using Packet = std::unique_ptr<AVPacket, PacketFreer>;

struct FrameFreer {
    void operator()(AVFrame* frame) const { av_frame_free(&frame); }
};
using Frame = std::unique_ptr<AVFrame, FrameFreer>;

struct BufferUnref {
    void operator()(AVBufferRef* buffer) const { av_buffer_unref(&buffer); }
};
using BufferRef = std::unique_ptr<AVBufferRef, BufferUnref>;

// Owns an AVDictionary that FFmpeg calls may free and replace through `get()`.
class Dictionary {
  public:
    Dictionary() = default;
    Dictionary(const Dictionary&) = delete;
    Dictionary& operator=(const Dictionary&) = delete;
    ~Dictionary() { av_dict_free(&m_dictionary); }
    AVDictionary** get() { return &m_dictionary; }

  private:
    AVDictionary* m_dictionary = nullptr;
};

std::string error_text(int code);

// The one place AVERROR codes become Errors. `doing` says what was under way ("opening it"),
// `kind` what the file should have been ("media file", "video", "picture").
Error translate(int code, const std::filesystem::path& file, std::string_view doing, std::string_view kind);

// Refuses, before FFmpeg sees it, what would make it block (a FIFO, a device) or waste time: a
// missing, unreadable, non-regular or empty file.
Result<void> check_regular_file(const std::filesystem::path& file, std::string_view kind);

// Opens a local file for demuxing after check_regular_file. Only the file protocol is allowed (a
// playlist format must not make FFmpeg fetch URLs), the name goes in as "file:..." (so
// "clip:1.mp4" is not read as a protocol), and plain text is refused (FFmpeg would read it as
// ANSI art). `interrupt` lets a blocking open or read be abandoned.
Result<FormatContext> open_input(const std::filesystem::path& file, std::string_view kind,
                                 const AVIOInterruptCB* interrupt = nullptr);

}  // namespace dwell::content::av
