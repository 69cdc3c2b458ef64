"""/config_info: Judge0 CE's configuration keys, with this server's values."""

from __future__ import annotations

from typing import Any

from viva.settings import Judge0Settings


def config_info(config: Judge0Settings) -> dict[str, Any]:
    """/config_info: Judge0 CE's keys, with Viva's values (what is off here is false)."""
    return {
        "maintenance_mode": False,
        "enable_wait_result": True,
        "enable_compiler_options": False,
        "allowed_languages_for_compile_options": [],
        "enable_command_line_arguments": True,
        "enable_submission_delete": config.enable_submission_delete,
        "enable_callbacks": bool(config.callback_hosts),
        "callbacks_max_tries": 3,
        "callbacks_timeout": 5.0,
        "enable_additional_files": True,
        "max_queue_size": config.max_queue_size,
        "cpu_time_limit": config.cpu_time_limit,
        "max_cpu_time_limit": config.max_cpu_time_limit,
        "cpu_extra_time": config.cpu_extra_time,
        "max_cpu_extra_time": config.max_cpu_extra_time,
        "wall_time_limit": config.wall_time_limit,
        "max_wall_time_limit": config.max_wall_time_limit,
        "memory_limit": config.memory_limit,
        "max_memory_limit": config.max_memory_limit,
        "stack_limit": config.stack_limit,
        "max_stack_limit": config.max_stack_limit,
        "max_processes_and_or_threads": config.max_processes_and_or_threads,
        "max_max_processes_and_or_threads": config.max_max_processes_and_or_threads,
        "enable_per_process_and_thread_time_limit": False,
        "allow_enable_per_process_and_thread_time_limit": False,
        "enable_per_process_and_thread_memory_limit": False,
        "allow_enable_per_process_and_thread_memory_limit": False,
        "max_file_size": config.max_file_size,
        "max_max_file_size": config.max_max_file_size,
        "number_of_runs": config.number_of_runs,
        "max_number_of_runs": config.max_number_of_runs,
        "redirect_stderr_to_stdout": False,
        "max_extract_size": config.max_extract_size,
        "enable_batched_submissions": True,
        "max_submission_batch_size": config.max_submission_batch_size,
        "submission_cache_duration": 0.0,
        "use_docs_as_homepage": False,
        "allow_enable_network": False,
        "enable_network": False,
    }
