# The screening service (screening_service.h): a Screener per administration
# built from the store and cached, batches stored as runs, risk profiles and
# watchlists in the store, the selection queue and findings. A separate
# library, so that cordon_screening itself stays free of the store and of
# the rights service. Included from CMakeLists.txt of this folder.
add_library(cordon_screening_service ${CMAKE_CURRENT_SOURCE_DIR}/screening_service.cc
            ${CMAKE_CURRENT_SOURCE_DIR}/model_service.cc)
target_include_directories(cordon_screening_service PUBLIC ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(cordon_screening_service
  PUBLIC cordon_screening cordon_store cordon_rights nlohmann_json::nlohmann_json
  PRIVATE fmt::fmt spdlog::spdlog PkgConfig::SODIUM simdjson::simdjson)

add_executable(screening_service_test ${CMAKE_CURRENT_SOURCE_DIR}/screening_service_test.cc)
target_link_libraries(screening_service_test PRIVATE cordon_screening_service cordon_identity
  cordon_test_support GTest::gtest_main)
gtest_discover_tests(screening_service_test)

# Targeting models in the service (issue 4).
add_executable(model_service_test ${CMAKE_CURRENT_SOURCE_DIR}/model_service_test.cc)
target_link_libraries(model_service_test PRIVATE cordon_screening_service cordon_identity
  cordon_test_support GTest::gtest_main)
gtest_discover_tests(model_service_test)
