# bullion_module(<name> SOURCES <files...> DEPS <targets...>)
# Declares the static library bullion_<name> for one module of DESIGN's module
# table. Public headers live in include/bullion/; each module sees only the
# modules it names in DEPS (which must sit above it in the layering).
function(bullion_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS" ${ARGN})
  string(REPLACE "/" "_" target "bullion_${name}")
  add_library(${target} STATIC ${M_SOURCES})
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/include PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${target} PUBLIC ${M_DEPS})
endfunction()

# bullion_test(<module> SOURCES <files...> DEPS <targets...>)
# One GoogleTest executable per module, registered with CTest.
function(bullion_test module)
  cmake_parse_arguments(T "" "" "SOURCES;DEPS" ${ARGN})
  string(REPLACE "/" "_" target "test_${module}")
  add_executable(${target} ${T_SOURCES})
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests)
  target_link_libraries(${target} PRIVATE ${T_DEPS} GTest::gtest GTest::gtest_main)
  target_compile_definitions(${target} PRIVATE
    BULLION_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    BULLION_SHARED_DIR="${PROJECT_SOURCE_DIR}/../shared"
    BULLION_BINARY="$<TARGET_FILE:bullion>")
  gtest_discover_tests(${target} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS unit)
endfunction()
