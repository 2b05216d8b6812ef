# Declaration readers (issue 3, "Declarations in"): JSON Lines through
# simdjson, CSV. Included from CMakeLists.txt beside it.
if(NOT TARGET simdjson::simdjson)
  find_package(simdjson REQUIRED)
endif()
if(NOT TARGET rapidcheck)
  find_package(rapidcheck REQUIRED)
endif()

target_sources(cordon_screening PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/declaration_json.cc
                                         ${CMAKE_CURRENT_SOURCE_DIR}/declaration_csv.cc)
target_link_libraries(cordon_screening PRIVATE simdjson::simdjson)

add_executable(declaration_test declaration_reader_test.cc)
# fmt: the stored-form tests use json_writer.h, whose numbers go through fmt.
target_link_libraries(declaration_test PRIVATE cordon_screening GTest::gtest_main rapidcheck
                      nlohmann_json::nlohmann_json fmt::fmt)
gtest_discover_tests(declaration_test)
