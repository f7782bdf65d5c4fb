# One interface target carries every shared compile setting; every target links it.
add_library(pysandbox_common INTERFACE)
add_library(PySandbox::common ALIAS pysandbox_common)

target_compile_features(pysandbox_common INTERFACE cxx_std_20)
target_compile_definitions(pysandbox_common INTERFACE
    QT_NO_CAST_FROM_ASCII
    QT_NO_CAST_TO_ASCII
    QT_NO_URL_CAST_FROM_STRING
    QT_NO_NARROWING_CONVERSIONS_IN_CONNECT
    QT_STRICT_ITERATORS
    QT_NO_FOREACH
    QT_DISABLE_DEPRECATED_BEFORE=0x060400
    PYSANDBOX_VERSION="${PROJECT_VERSION}"
    PYSANDBOX_APP_ID="${PYSANDBOX_APP_ID}")

target_compile_options(pysandbox_common INTERFACE
    -Wall -Wextra -Wpedantic
    -Wold-style-cast -Wnon-virtual-dtor -Woverloaded-virtual
    -Wcast-align -Wformat=2 -Wundef -Wshadow=local -Wimplicit-fallthrough
    $<$<BOOL:${PYSANDBOX_WARNINGS_AS_ERRORS}>:-Werror>)

if(PYSANDBOX_SANITIZERS)
    target_compile_options(pysandbox_common INTERFACE
        -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
    target_link_options(pysandbox_common INTERFACE -fsanitize=address,undefined)
else()
    target_compile_definitions(pysandbox_common INTERFACE $<$<CONFIG:Release>:_FORTIFY_SOURCE=2>)
    target_compile_options(pysandbox_common INTERFACE -fstack-protector-strong)
endif()
