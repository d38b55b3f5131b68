# Installation and Debian packages (deploy/dwell package): dwell-player, dwell-sync and dwell-hub
# (which brings dwellctl), each with its systemd unit and maintainer scripts that make the
# service's user and state folder and enable the unit. Libraries come from Debian: dpkg-shlibdeps
# works out each package's dependencies from its binaries.
set(dwell_systemd ${PROJECT_SOURCE_DIR}/deploy/systemd)
set(dwell_examples ${PROJECT_SOURCE_DIR}/deploy/examples)

install(TARGETS dwell-player RUNTIME DESTINATION bin COMPONENT player)
install(FILES ${dwell_systemd}/dwell-player.service DESTINATION lib/systemd/system COMPONENT player)

install(TARGETS dwell-sync RUNTIME DESTINATION bin COMPONENT sync)
install(FILES ${dwell_systemd}/dwell-sync.service DESTINATION lib/systemd/system COMPONENT sync)
install(FILES ${dwell_systemd}/dwell.sysusers DESTINATION lib/sysusers.d RENAME dwell.conf COMPONENT sync)
install(FILES ${dwell_systemd}/dwell.tmpfiles DESTINATION lib/tmpfiles.d RENAME dwell.conf COMPONENT sync)
install(FILES ${dwell_examples}/device.yaml DESTINATION share/doc/dwell-sync/examples COMPONENT sync)

install(TARGETS dwell-hub dwellctl RUNTIME DESTINATION bin COMPONENT hub)
install(FILES ${dwell_systemd}/dwell-hub.service DESTINATION lib/systemd/system COMPONENT hub)
install(FILES ${dwell_systemd}/dwell-hub.sysusers DESTINATION lib/sysusers.d RENAME dwell-hub.conf
        COMPONENT hub)
install(FILES ${dwell_systemd}/dwell-hub.tmpfiles DESTINATION lib/tmpfiles.d RENAME dwell-hub.conf
        COMPONENT hub)
install(FILES ${dwell_examples}/hub.yaml DESTINATION share/doc/dwell-hub/examples COMPONENT hub)
install(DIRECTORY ${dwell_examples}/campaigns DESTINATION share/doc/dwell-hub/examples COMPONENT hub)

set(CPACK_PACKAGING_INSTALL_PREFIX /usr)

# Maintainer scripts: one template, made for each package's unit, sysusers/tmpfiles name and
# configuration file.
function(dwell_maintainer_scripts component package unit conf config)
  set(PACKAGE ${package})
  set(UNIT ${unit})
  set(CONF ${conf})
  set(CONFIG ${config})
  set(PREFIX ${CPACK_PACKAGING_INSTALL_PREFIX})
  set(scripts)
  foreach(script postinst prerm postrm)
    configure_file(${PROJECT_SOURCE_DIR}/deploy/debian/${script}.in
                   ${PROJECT_BINARY_DIR}/debian/${component}/${script} @ONLY)
    list(APPEND scripts ${PROJECT_BINARY_DIR}/debian/${component}/${script})
  endforeach()
  string(TOUPPER ${component} upper)
  set(CPACK_DEBIAN_${upper}_PACKAGE_CONTROL_EXTRA "${scripts}" PARENT_SCOPE)
endfunction()
# The player shares the agent's user and folder, so it depends on dwell-sync and uses its files.
dwell_maintainer_scripts(player dwell-player dwell-player.service dwell /etc/dwell/device.yaml)
dwell_maintainer_scripts(sync dwell-sync dwell-sync.service dwell /etc/dwell/device.yaml)
dwell_maintainer_scripts(hub dwell-hub dwell-hub.service dwell-hub /etc/dwell/hub.yaml)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME dwell)
set(CPACK_PACKAGE_VENDOR dwell)
set(CPACK_PACKAGE_CONTACT "dwell maintainers <dwell@localhost>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL player sync hub)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_PLAYER_PACKAGE_NAME dwell-player)
set(CPACK_DEBIAN_PLAYER_PACKAGE_DEPENDS "dwell-sync (= ${PROJECT_VERSION}), fonts-noto-cjk")
set(CPACK_DEBIAN_PLAYER_DESCRIPTION "dwell station screen player
 Plays a station screen's campaigns with the join code and QR code, and shows live joins within a
 few frames. Draws through KMS/DRM (SDL2) and decodes with FFmpeg.")
set(CPACK_DEBIAN_SYNC_PACKAGE_NAME dwell-sync)
set(CPACK_DEBIAN_SYNC_PACKAGE_DEPENDS "systemd")
set(CPACK_DEBIAN_SYNC_DESCRIPTION "dwell sync agent for station screens
 Keeps a station screen's content current from the dwell hub, relays live events to the player,
 and ships proof-of-play and participation records back, never losing one.")
set(CPACK_DEBIAN_HUB_PACKAGE_NAME dwell-hub)
set(CPACK_DEBIAN_HUB_PACKAGE_DEPENDS "systemd, tzdata")
set(CPACK_DEBIAN_HUB_DESCRIPTION "dwell hub and dwellctl
 The central server of dwell: campaigns, station screens, messenger webhooks (LINE, Telegram,
 KakaoTalk, WhatsApp), the live feed to screens and participation reports; with dwellctl, the
 command line for marketers and operators.")
include(CPack)
