# The screening pipeline (screening.h): scoring, selection, result output.
target_sources(cordon_screening PRIVATE
  ${CMAKE_CURRENT_SOURCE_DIR}/screener.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/result_json.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/json_writer.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/model_inputs.cc
)
# The model hit (issue 4) uses targeting's public header only.
target_link_libraries(cordon_screening PUBLIC cordon_targeting PRIVATE fmt::fmt)

add_executable(pipeline_test ${CMAKE_CURRENT_SOURCE_DIR}/screener_test.cc)
# fmt: the result JSON test checks the writer's numbers against fmt's.
target_link_libraries(pipeline_test PRIVATE cordon_screening nlohmann_json::nlohmann_json
                      fmt::fmt GTest::gtest_main)
gtest_discover_tests(pipeline_test)
