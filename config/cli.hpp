// Command-line helpers for the programs that parse flags with CLI11 (the player, dwellctl).
#pragma once

#include <string>
#include <utility>

#include <CLI/CLI.hpp>

namespace dwell::config {

// A CLI11 validator that parses with a dwell parser, so a flag and a YAML value read alike and a bad
// one is a command-line error before anything is done.
template <class Parse>
CLI::Validator parsed_by(Parse parse, std::string what) {
    return CLI::Validator(
        [parse](std::string& text) -> std::string {
            auto value = parse(text);
            return value ? std::string{} : value.error().message;
        },
        std::move(what));
}

}  // namespace dwell::config
