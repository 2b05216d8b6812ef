# Risk profiles and watchlists (issue 3, points 4 and 5); included from
# CMakeLists.txt of this folder. See docs/profiles.md.
find_package(rapidcheck REQUIRED)

target_sources(cordon_screening PRIVATE
  ${CMAKE_CURRENT_SOURCE_DIR}/profiles.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/watchlist.cc
)

add_executable(profiles_test
  ${CMAKE_CURRENT_SOURCE_DIR}/profiles_test.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/watchlist_test.cc
)
# The tests reach the internal helpers (watchlist_internal.h), which use
# nlohmann_json and utf8proc only inside the library.
target_link_libraries(profiles_test PRIVATE
  cordon_screening nlohmann_json::nlohmann_json GTest::gtest_main rapidcheck)
gtest_discover_tests(profiles_test)
