# Builds the include-root fixtures of tests/CMakeLists.txt in BUILD_DIR, one at a time (one ninja
# per build tree): OK (a target whose includes are all among what it links) must compile; each
# entry of FAIL, "target:header", must fail to compile with "<header>: No such file or directory".
#   cmake -DBUILD_DIR=<build> -DOK=<target> "-DFAIL=<target>:<header>|..." -P check_include_roots.cmake
cmake_minimum_required(VERSION 3.25)

if(NOT BUILD_DIR OR NOT OK OR NOT FAIL)
  message(FATAL_ERROR "usage: cmake -DBUILD_DIR=<dir> -DOK=<target> -DFAIL=<target>:<header>|... "
                      "-P check_include_roots.cmake")
endif()

execute_process(COMMAND ${CMAKE_COMMAND} --build ${BUILD_DIR} --target ${OK}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${OK}: expected to compile (it includes only what it links), but:\n${out}")
endif()
message("${OK}: compiles")

string(REPLACE "|" ";" FAIL "${FAIL}")
set(failures 0)
foreach(entry IN LISTS FAIL)
  if(NOT entry MATCHES "^([^:]+):(.+)$")
    message(FATAL_ERROR "FAIL entry '${entry}': expected <target>:<header>")
  endif()
  set(target ${CMAKE_MATCH_1})
  set(header ${CMAKE_MATCH_2})
  execute_process(COMMAND ${CMAKE_COMMAND} --build ${BUILD_DIR} --target ${target}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  string(FIND "${out}" "${header}: No such file or directory" at)
  if(rc EQUAL 0)
    message("${target}: compiled, but it includes ${header} of a library it does not link")
    math(EXPR failures "${failures} + 1")
  elseif(at EQUAL -1)
    message("${target}: failed, but not for ${header} being out of reach:\n${out}")
    math(EXPR failures "${failures} + 1")
  else()
    message("${target}: ${header} is out of reach, as it should be")
  endif()
endforeach()
if(failures GREATER 0)
  message(FATAL_ERROR "${failures} include-root fixture(s) did not behave as expected")
endif()
