from kompilot_data.cli import main

raise SystemExit(main())
