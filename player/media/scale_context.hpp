// An owning swscale context, for the decoders that convert what SDL cannot show as is.
#pragma once

#include <memory>

extern "C" {
#include <libswscale/swscale.h>
}

namespace dwell::player {

struct SwsFreer {
    void operator()(SwsContext* context) const { sws_freeContext(context); }
};
using ScaleContext = std::unique_ptr<SwsContext, SwsFreer>;

}  // namespace dwell::player
