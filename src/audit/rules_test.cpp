// The rule tables: every row can matter and names what it should.
#include "audit/rules.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace {

using namespace ftkit::audit;

TEST(Rules, RuntimeHazardsAreHazardsOfKnownGenerators) {
    std::set<std::string_view> hazards, generators;
    for (const auto& h : hazard_rules()) hazards.insert(h.symbol);
    for (const auto& g : generator_rules()) generators.insert(g.generator);
    std::set<std::pair<std::string_view, std::string_view>> seen;
    for (const auto& r : runtime_hazard_rules()) {
        EXPECT_TRUE(hazards.count(r.symbol)) << r.symbol;  // else it could never be attributed
        EXPECT_TRUE(generators.count(r.generator)) << r.generator;
        EXPECT_FALSE(r.source.empty()) << r.symbol;
        EXPECT_TRUE(seen.insert({r.generator, r.symbol}).second) << r.generator << r.symbol;
    }
}

TEST(Rules, CalledByRuntimeIsPerGenerator) {
    EXPECT_TRUE(called_by_runtime("cython", "PyDict_SetDefault"));
    EXPECT_TRUE(called_by_runtime("pybind11", "PyList_GetItem"));
    EXPECT_FALSE(called_by_runtime("cython", "PyList_GetItem"));  // translates the user's lst[i]
    EXPECT_FALSE(called_by_runtime("c-api", "PyDict_Next"));      // plain C: the user's own call
}

}  // namespace
